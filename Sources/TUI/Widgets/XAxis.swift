/// The x axis under a plot: `└─┬───┬─` and the tick labels centred under the `┬`s, skipping any
/// label that would touch its neighbour.
struct XAxis {
  let range: ValueRange
  let format: AxisLabelFormat
  /// Plot columns; the region is one wider, its column 0 under the y axis.
  let columns: Int

  func draw(into region: CanvasRegion) {
    let style = region.theme.axis
    let box = region.glyphs.box
    region.set(box.bottomLeft, at: Point(x: 0, y: 0), style: style)
    region.horizontalLine(row: 0, columns: 1..<(columns + 1), style: style)
    let ticks = format.ticks(range, count: max(2, columns / 10 + 1))
    var nextFree = 0
    for value in ticks {
      let position = range.position(of: value)
      guard position.isFinite else { continue }
      let column = 1 + Int((position * Double(columns - 1)).rounded())
      region.set(box.teeDown, at: Point(x: column, y: 0), style: style)
      let label = format.label(value)
      let width = DisplayWidth.of(label)
      let start = min(max(0, column - width / 2), region.width - width)
      guard start >= nextFree, start >= 0 else { continue }
      region.put(text: label, at: Point(x: start, y: 1), style: region.theme.text)
      nextFree = start + width + 1
    }
  }
}
