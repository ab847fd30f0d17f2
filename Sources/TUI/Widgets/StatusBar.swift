public struct StatusSegment: Sendable {
  public var text: String
  /// nil: the theme's status bar style.
  public var style: CellStyle?
  public init(_ text: String, style: CellStyle? = nil) {
    self.text = text
    self.style = style
  }
}

/// One line of segments: some from the left, some against the right edge (key hints). When the
/// line is too narrow the right side keeps its place and the left side is cut.
public struct StatusBar: Sendable {
  public var left: [StatusSegment]
  public var right: [StatusSegment]
  public var separator: String

  public init(left: [StatusSegment], right: [StatusSegment] = [], separator: String = "  ") {
    self.left = left
    self.right = right
    self.separator = separator
  }

  public func draw(into region: CanvasRegion) {
    guard region.height > 0, region.width > 0 else { return }
    let barStyle = region.theme.statusBar
    region.fill(Rect(x: 0, y: 0, width: region.width, height: 1), style: barStyle)
    let rightWidth = min(width(of: right), region.width)
    var x = region.width - rightWidth
    drawSegments(right, from: x, limit: region.width, into: region, style: barStyle)
    x = 1
    let leftLimit = region.width - rightWidth - (rightWidth > 0 ? 2 : 1)
    drawSegments(left, from: x, limit: leftLimit, into: region, style: barStyle)
  }

  /// Columns of the segments with separators and one column of margin at the outer edge.
  private func width(of segments: [StatusSegment]) -> Int {
    guard !segments.isEmpty else { return 0 }
    let texts = segments.map { DisplayWidth.of($0.text) }.reduce(0, +)
    return texts + DisplayWidth.of(separator) * (segments.count - 1) + 1
  }

  private func drawSegments(
    _ segments: [StatusSegment], from start: Int, limit: Int, into region: CanvasRegion,
    style barStyle: CellStyle
  ) {
    var x = start
    for (index, segment) in segments.enumerated() {
      if index > 0 {
        x += region.put(
          text: separator, at: Point(x: x, y: 0), style: barStyle,
          maxWidth: limit - x)
      }
      guard x < limit else { return }
      x += region.put(
        text: segment.text, at: Point(x: x, y: 0), style: segment.style ?? barStyle,
        maxWidth: limit - x)
    }
  }
}
