extension Canvas {
  /// A readable, diffable text form of the canvas for snapshot tests:
  ///
  ///     canvas 40x12 trueColor unicode
  ///     ┌ ITC ──────────── 2.04 ┐|
  ///     ...                                   (each row ends in `|`, so trailing spaces show)
  ///     styles
  ///     row 0 col 0-1 fg=brightBlack
  ///     row 0 col 2-6 bold
  ///
  /// Style runs list maximal spans of one non-plain style in a row, top to bottom, left to right.
  public func snapshotText() -> String {
    let glyphs = theme.glyphs.isUnicode ? "unicode" : "ascii"
    var lines = ["canvas \(width)x\(height) \(theme.colorMode.rawValue) \(glyphs)"]
    lines += self.lines().map { $0 + "|" }
    lines.append("styles")
    for y in 0..<height {
      var x = 0
      while x < width {
        let style = self[x, y].style
        var end = x
        while end + 1 < width && self[end + 1, y].style == style { end += 1 }
        if style != .plain {
          let columns = end == x ? "col \(x)" : "col \(x)-\(end)"
          lines.append("row \(y) \(columns) \(style.summary)")
        }
        x = end + 1
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
