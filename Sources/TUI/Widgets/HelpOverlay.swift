/// The key bindings in a framed box centred over the screen: each table under its name, keys
/// in a column beside their summaries; in more columns, or cut, when the screen is short.
public struct HelpOverlay: Sendable {
  public var title: String
  public var tables: [KeyTable]

  public init(title: String = "Help", tables: [KeyTable]) {
    self.title = title
    self.tables = tables
  }

  /// A screen's own bindings first, then the global ones.
  public init(keyMap: KeyMap, screen: String) {
    self.init(
      title: "Help: \(screen)",
      tables: (keyMap.table(named: screen).map { [$0] } ?? []) + [
        keyMap.global
      ])
  }

  private enum Line {
    case heading(String)
    case binding(keys: String, summary: String)
    case blank
  }

  /// Columns between side-by-side columns of bindings.
  static let columnGap = 3

  public func draw(into region: CanvasRegion) {
    guard region.width >= 8, region.height >= 3 else { return }
    let theme = region.theme
    let lines = helpLines(unicode: theme.glyphs.isUnicode)
    let keyWidth = min(16, region.width / 4, lines.map(Self.keysWidth).max() ?? 0)
    let lineWidth = lines.map(width(keyWidth: keyWidth)).max() ?? 0
    let innerMaxWidth = region.width - 4
    let innerMaxHeight = region.height - 2
    var columnCount = 1
    while (lines.count + columnCount - 1) / columnCount > innerMaxHeight
      && (columnCount + 1) * lineWidth + columnCount * Self.columnGap <= innerMaxWidth
    {
      columnCount += 1
    }
    let rowsPerColumn = min(innerMaxHeight, (lines.count + columnCount - 1) / columnCount)
    let columnWidth = min(lineWidth, innerMaxWidth)
    let innerWidth = min(
      innerMaxWidth, columnCount * columnWidth + (columnCount - 1) * Self.columnGap)
    let box = Rect(
      x: (region.width - innerWidth - 4) / 2, y: (region.height - rowsPerColumn - 2) / 2,
      width: innerWidth + 4, height: rowsPerColumn + 2)
    let boxRegion = region.region(box)
    boxRegion.fill(style: theme.text)
    let inside = boxRegion.frame(title: title, style: theme.text.adding(.bold))
      .region(Rect(x: 1, y: 0, width: innerWidth, height: rowsPerColumn))
    let shownCount = min(lines.count, rowsPerColumn * columnCount)
    for index in 0..<shownCount {
      let column = index / rowsPerColumn
      let origin = Point(x: column * (columnWidth + Self.columnGap), y: index % rowsPerColumn)
      let isLastShown = index == shownCount - 1 && shownCount < lines.count
      let more = Line.heading("\(theme.glyphs.ellipsis) more: enlarge the terminal")
      let line = isLastShown ? more : lines[index]
      draw(line, at: origin, keyWidth: keyWidth, width: columnWidth, into: inside)
    }
  }

  private func helpLines(unicode: Bool) -> [Line] {
    var lines: [Line] = []
    for (index, table) in tables.enumerated() {
      if index > 0 { lines.append(.blank) }
      lines.append(.heading(table.name))
      for binding in table.bindings {
        let keys = binding.keyNames(unicode: unicode).joined(separator: " ")
        lines.append(.binding(keys: keys, summary: binding.summary))
      }
    }
    return lines
  }

  private static func keysWidth(_ line: Line) -> Int {
    if case .binding(let keys, _) = line { return DisplayWidth.of(keys) }
    return 0
  }

  private func width(keyWidth: Int) -> (Line) -> Int {
    { line in
      switch line {
      case .heading(let text): return DisplayWidth.of(text)
      case .binding(_, let summary): return keyWidth + 2 + DisplayWidth.of(summary)
      case .blank: return 0
      }
    }
  }

  private func draw(
    _ line: Line, at origin: Point, keyWidth: Int, width: Int, into region: CanvasRegion
  ) {
    let theme = region.theme
    switch line {
    case .heading(let text):
      region.put(text: text, at: origin, style: theme.title, maxWidth: width)
    case .binding(let keys, let summary):
      region.put(text: keys, at: origin, style: theme.key, maxWidth: min(keyWidth, width))
      let summaryX = origin.x + keyWidth + 2
      region.put(
        text: summary, at: Point(x: summaryX, y: origin.y), style: theme.text,
        maxWidth: width - keyWidth - 2)
    case .blank:
      break
    }
  }
}
