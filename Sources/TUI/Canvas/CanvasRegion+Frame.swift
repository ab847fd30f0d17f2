extension CanvasRegion {
  /// Draws a box around the region with an optional title in its top edge (`┌ title ───┐`, or
  /// `+ title ---+` in ASCII) and an optional right-aligned note (a pane's latest value), and
  /// returns the inside. A region under 2x2 cells has no room for a box and is returned as is.
  @discardableResult
  public func frame(
    title: String? = nil, note: String? = nil, style: CellStyle? = nil,
    titleStyle: CellStyle? = nil
  ) -> CanvasRegion {
    guard width >= 2, height >= 2 else { return self }
    let box = glyphs.box
    let lineStyle = style ?? theme.border
    let (right, bottom) = (width - 1, height - 1)
    horizontalLine(row: 0, columns: 1..<right, style: lineStyle)
    horizontalLine(row: bottom, columns: 1..<right, style: lineStyle)
    verticalLine(column: 0, rows: 1..<bottom, style: lineStyle)
    verticalLine(column: right, rows: 1..<bottom, style: lineStyle)
    set(box.topLeft, at: Point(x: 0, y: 0), style: lineStyle)
    set(box.topRight, at: Point(x: right, y: 0), style: lineStyle)
    set(box.bottomLeft, at: Point(x: 0, y: bottom), style: lineStyle)
    set(box.bottomRight, at: Point(x: right, y: bottom), style: lineStyle)
    // The edge keeps a corner and one line cell on each side of the labels.
    var labelEnd = right - 1
    if let note, !note.isEmpty, width >= 8 {
      let noteWidth = min(DisplayWidth.of(note), max(0, width - 6))
      let start = right - 2 - noteWidth
      put(
        text: " " + note + " ", at: Point(x: start - 1, y: 0), style: titleStyle ?? theme.title,
        maxWidth: noteWidth + 2)
      labelEnd = start - 2
    }
    if let title, !title.isEmpty, labelEnd - 1 >= 3 {
      put(
        text: " " + title + " ", at: Point(x: 1, y: 0), style: titleStyle ?? theme.title,
        maxWidth: labelEnd - 1)
    }
    return region(Rect(x: 1, y: 1, width: width - 2, height: height - 2))
  }
}
