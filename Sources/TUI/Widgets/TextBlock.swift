/// A paragraph (or several, split at newlines) wrapped at word boundaries to the region's
/// width; a word longer than a line is broken; text beyond the last row ends in an ellipsis.
public struct TextBlock: Sendable {
  public var text: String
  public var style: CellStyle?

  public init(_ text: String, style: CellStyle? = nil) {
    self.text = text
    self.style = style
  }

  public func draw(into region: CanvasRegion) {
    guard region.height > 0 else { return }
    let lines = Self.wrap(text, width: region.width)
    let style = style ?? region.theme.text
    for (row, line) in lines.prefix(region.height).enumerated() {
      let isCut = row == region.height - 1 && lines.count > region.height
      // Text one column wider than `maxWidth` makes `put` end the line with its ellipsis.
      region.put(
        text: isCut ? line + "  " : line, at: Point(x: 0, y: row), style: style,
        maxWidth: isCut ? min(DisplayWidth.of(line) + 1, region.width) : nil)
    }
  }

  /// Greedy word wrap: words separated by spaces, lines at most `width` columns.
  public static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var line = ""
      var lineWidth = 0
      for word in paragraph.split(separator: " ") {
        var word = String(word)
        var wordWidth = DisplayWidth.of(word)
        if lineWidth > 0 && lineWidth + 1 + wordWidth <= width {
          line += " " + word
          lineWidth += 1 + wordWidth
          continue
        }
        if lineWidth > 0 { lines.append(line) }
        while wordWidth > width {
          let (head, rest) = split(word, at: width)
          lines.append(head)
          word = rest
          wordWidth = DisplayWidth.of(word)
        }
        (line, lineWidth) = (word, wordWidth)
      }
      lines.append(line)
    }
    return lines
  }

  /// The first `columns` columns of a word and the rest.
  private static func split(_ word: String, at columns: Int) -> (String, String) {
    var used = 0
    var index = word.startIndex
    while index < word.endIndex {
      let width = word[index].unicodeScalars.first.map(DisplayWidth.of) ?? 0
      if used + width > columns { break }
      used += width
      index = word.index(after: index)
    }
    if index == word.startIndex { index = word.index(after: index) }
    return (String(word[..<index]), String(word[index...]))
  }
}
