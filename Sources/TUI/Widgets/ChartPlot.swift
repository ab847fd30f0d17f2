import Foundation

/// The plot of a `LineChart` without its legend: y labels and axis, the dot raster, the x axis
/// and its labels (when there are at least 6 rows).
struct ChartPlot {
  let chart: LineChart
  let series: [PreparedSeries]

  func draw(into region: CanvasRegion) {
    let theme = region.theme
    let plotted = series.flatMap { series in
      (chart.showRaw || series.smoothed == nil ? series.raw : []) + (series.smoothed ?? [])
    }
    guard let xData = ValueRange.enclosing(plotted.map(\.x)) else {
      region.put(text: "no data", at: Point(x: 0, y: 0), style: theme.dim)
      return
    }
    let hasXAxis = region.height >= 6
    let plotRows = region.height - (hasXAxis ? 2 : 0)
    let yAxis = YAxis(
      chart: chart, values: plotted.map(\.y), rows: plotRows,
      dotsPerRow: theme.glyphs.raster.dotsPerCell.rows)
    let labelWidth = yAxis.labelWidth
    let plotColumns = region.width - labelWidth - 1
    guard plotColumns >= 2 else { return }
    yAxis.draw(into: region.region(Rect(x: 0, y: 0, width: labelWidth + 1, height: plotRows)))
    let xRange = xData.span > 0 ? xData : xData.padded(by: 0)
    let plotRect = Rect(x: labelWidth + 1, y: 0, width: plotColumns, height: plotRows)
    let plot = region.region(plotRect)
    for reference in chart.references {
      drawReference(reference, row: yAxis.row(of: reference.value), into: plot)
    }
    var raster = DotRaster(kind: theme.glyphs.raster, columns: plotColumns, rows: plotRows)
    let lastDotX = Double(raster.dotWidth - 1)
    let dot = { (point: ChartPoint) -> (x: Double, y: Double) in
      (xRange.position(of: point.x) * lastDotX, yAxis.dotY(of: point.y))
    }
    for series in self.series {
      if let smoothed = series.smoothed {
        if chart.showRaw { plotLine(series.raw, dot, series.style.adding(.dim), 0, &raster) }
        plotLine(smoothed, dot, series.style, 1, &raster)
      } else {
        plotLine(series.raw, dot, series.style, 1, &raster)
      }
    }
    raster.draw(into: plot)
    if hasXAxis {
      let axis = region.region(
        Rect(x: labelWidth, y: plotRows, width: plotColumns + 1, height: 2))
      XAxis(range: xRange, format: chart.xFormat, columns: plotColumns).draw(into: axis)
    }
  }

  private func plotLine(
    _ points: [ChartPoint], _ dot: (ChartPoint) -> (x: Double, y: Double), _ style: CellStyle,
    _ priority: Int8, _ raster: inout DotRaster
  ) {
    guard let first = points.first else { return }
    var previous = dot(first)
    raster.drawLine(from: previous, to: previous, style: style, priority: priority)
    for point in points.dropFirst() {
      let next = dot(point)
      raster.drawLine(from: previous, to: next, style: style, priority: priority)
      previous = next
    }
  }

  /// A dashed line (every other cell) with its label near the right end.
  private func drawReference(_ reference: ReferenceLine, row: Int?, into plot: CanvasRegion) {
    guard let row, row >= 0, row < plot.height else { return }
    let style = plot.theme.dim
    for x in stride(from: 1, to: plot.width, by: 2) {
      plot.set(plot.glyphs.box.horizontal, at: Point(x: x, y: row), style: style)
    }
    let label = " " + reference.label + " "
    let start = max(0, plot.width - DisplayWidth.of(label) - 2)
    plot.put(text: label, at: Point(x: start, y: row), style: style)
  }
}
