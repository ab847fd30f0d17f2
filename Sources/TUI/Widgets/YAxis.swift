import Foundation

/// The y axis of a line chart: the range (nice-rounded, or percentile-clipped, linear or log),
/// its tick rows and labels, and the mapping from values to dot rows.
struct YAxis {
  let scale: AxisScale
  /// The shown range in axis units (log10 of the values on a log axis).
  let range: ValueRange
  let rows: Int
  let dotsPerRow: Int
  let ticks: [(row: Int, label: String)]

  init(chart: LineChart, values: [Double], rows: Int, dotsPerRow: Int) {
    scale = chart.yScale
    self.rows = rows
    self.dotsPerRow = dotsPerRow
    let references = chart.references.map(\.value)
    let transform = { (value: Double) in chart.yScale == .linear ? value : log10(value) }
    let axisValues = (values + references).filter { chart.yScale == .linear || $0 > 0 }
      .map(transform)
    let dataRange =
      (chart.ignoreOutliers
        ? ValueRange.ignoringOutliers(axisValues) : ValueRange.enclosing(axisValues))
      ?? ValueRange(low: 0, high: 1)
    // About one label per 4 rows (3 at least), never closer than 2 rows.
    let tickCount = max(3, rows / 4 + 1)
    let maximumTicks = max(2, (rows - 1) / 2 + 1)
    // A tight range (TensorBoard's): the curve uses the whole height; ticks fall inside it.
    let shown = dataRange.span > 0 ? dataRange.padded(by: 0.02) : dataRange.padded(by: 0)
    let tickValues: [Double]
    if scale == .linear {
      tickValues = AxisTicks.nice(
        low: shown.low, high: shown.high, count: tickCount, maximumCount: maximumTicks)
    } else {
      tickValues = AxisTicks.logarithmic(
        low: pow(10, shown.low), high: pow(10, shown.high), count: tickCount
      ).map(log10)
    }
    range = shown
    var ticks: [(row: Int, label: String)] = []
    let totalDots = Double(rows * dotsPerRow - 1)
    for value in tickValues {
      let dotY = (1 - shown.position(of: value)) * totalDots
      guard dotY.isFinite else { continue }
      let row = Int((dotY / Double(dotsPerRow)).rounded(.down))
      guard row >= 0, row < rows, !ticks.contains(where: { abs($0.row - row) < 2 }) else {
        continue
      }
      let label = NumberFormat.compact(scale == .linear ? value : pow(10, value))
      ticks.append((row, label))
    }
    self.ticks = ticks
  }

  var labelWidth: Int { ticks.map { DisplayWidth.of($0.label) }.max() ?? 1 }

  /// The dot row (0 at the top) of a value; off the plot when outside the range.
  func dotY(of value: Double) -> Double {
    let axisValue = scale == .linear ? value : (value > 0 ? log10(value) : -.infinity)
    return (1 - range.position(of: axisValue)) * Double(rows * dotsPerRow - 1)
  }

  func row(of value: Double) -> Int? {
    let dot = dotY(of: value)
    guard dot.isFinite else { return nil }
    return Int((dot / Double(dotsPerRow)).rounded(.down))
  }

  /// Labels right-aligned against the axis line, `┤` at each tick.
  func draw(into region: CanvasRegion) {
    let axisColumn = region.width - 1
    let style = region.theme.axis
    region.verticalLine(column: axisColumn, rows: 0..<rows, style: style)
    for tick in ticks {
      let width = DisplayWidth.of(tick.label)
      region.put(
        text: tick.label, at: Point(x: axisColumn - width, y: tick.row),
        style: region.theme.text)
      region.set(region.glyphs.box.teeLeft, at: Point(x: axisColumn, y: tick.row), style: style)
    }
  }
}
