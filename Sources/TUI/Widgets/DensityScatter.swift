/// A scatter plot of many points (a t-SNE of 50,000 features): each cell shaded by how many
/// points fall in it (`DensityRaster`) and coloured by its commonest class, with a legend of the
/// classes and of the shades. Ring points (words) are drawn as rings over the shading while
/// there are at most `ringLimit` of them; beyond that they are counted like the others, since
/// thousands of rings would hide the map.
public struct DensityScatter: Sendable {
  /// The points, classes, marker names, padding and legend placement, as a plain scatter has.
  public var scatter: Scatter
  public var ringLimit: Int

  public init(_ scatter: Scatter, ringLimit: Int = 400) {
    self.scatter = scatter
    self.ringLimit = ringLimit
  }

  public var points: [ScatterPoint] { scatter.points }
  public var classes: [ScatterClass] { scatter.classes }
  public var markerNames: (dot: String, ring: String)? { scatter.markerNames }
  var padding: Double { scatter.padding }
  var legend: LegendPlacement { scatter.legend }

  public func draw(into region: CanvasRegion) {
    let theme = region.theme
    guard let visible = Scatter.plottablePoints(points, in: region) else { return }
    let ringCount = visible.reduce(0) { $0 + ($1.marker == .ring ? 1 : 0) }
    let drawsRings = ringCount > 0 && ringCount <= ringLimit
    guard let xData = ValueRange.enclosing(visible.map(\.x)),
      let yData = ValueRange.enclosing(visible.map(\.y))
    else {
      region.put(text: "no points", at: Point(x: 0, y: 0), style: theme.dim)
      return
    }
    let (xRange, yRange) = (xData.padded(by: padding), yData.padded(by: padding))
    // The shading's scale needs the plot's size, which the legend decides: bin once per layout.
    var entries = legendEntries(theme: theme, drawsRings: drawsRings, full: nil)
    var plotArea = ChartLegend.place(entries, placement: legend, in: region, plotWidthBesideLegend: 30)
    var raster = bin(visible, xRange, yRange, plotArea, drawsRings: drawsRings)
    entries = legendEntries(theme: theme, drawsRings: drawsRings, full: raster.fullCount)
    let placed = ChartLegend.place(entries, placement: legend, in: region, plotWidthBesideLegend: 30)
    if placed != plotArea {
      plotArea = placed
      raster = bin(visible, xRange, yRange, plotArea, drawsRings: drawsRings)
    }
    let plot = region.region(plotArea)
    raster.draw(into: plot, kind: theme.glyphs.raster) { color(ofClass: $0, theme: theme) }
    guard drawsRings else { return }
    for point in visible where point.marker == .ring {
      guard let cell = cell(of: point, xRange, yRange, columns: plot.width, rows: plot.height)
      else { continue }
      plot.set(
        theme.glyphs.hollowMarker, at: Point(x: cell.column, y: cell.row),
        style: CellStyle(color(ofClass: point.classIndex, theme: theme)))
    }
  }

  private func bin(
    _ visible: [ScatterPoint], _ xRange: ValueRange, _ yRange: ValueRange, _ area: Rect,
    drawsRings: Bool
  ) -> DensityRaster {
    var raster = DensityRaster(columns: area.width, rows: area.height, classCount: classes.count + 1)
    for point in visible where !(drawsRings && point.marker == .ring) {
      guard let cell = cell(of: point, xRange, yRange, columns: area.width, rows: area.height)
      else { continue }
      raster.add(column: cell.column, row: cell.row, classIndex: point.classIndex)
    }
    return raster
  }

  /// The cell a point falls in (y up); nil where the span overflows.
  private func cell(
    of point: ScatterPoint, _ xRange: ValueRange, _ yRange: ValueRange, columns: Int, rows: Int
  ) -> (column: Int, row: Int)? {
    let x = xRange.position(of: point.x) * Double(columns)
    let y = (1 - yRange.position(of: point.y)) * Double(rows)
    guard x.isFinite, y.isFinite else { return nil }
    return (min(columns - 1, max(0, Int(x))), min(rows - 1, max(0, Int(y))))
  }

  private func color(ofClass index: Int, theme: Theme) -> TerminalColor {
    (classes.indices.contains(index) ? classes[index].color : nil) ?? theme.seriesColor(index)
  }

  private func legendEntries(theme: Theme, drawsRings: Bool, full: Int?) -> [LegendEntry] {
    var entries = classes.indices.map { index in
      LegendEntry(
        marker: theme.glyphs.filledMarker,
        markerStyle: CellStyle(color(ofClass: index, theme: theme)), label: classes[index].name)
    }
    let kind = theme.glyphs.raster
    // Padded to one width at every count, so the legend drawn again over the placeholder's
    // (once the plot's size gave the counts) takes the same place.
    var fullText = full.map { NumberFormat.compact(Double($0)) + "+ points" } ?? ""
    fullText += String(repeating: " ", count: max(0, 13 - fullText.count))
    entries.append(
      LegendEntry(marker: DensityRaster.glyph(level: 1, kind: kind), markerStyle: theme.text, label: "1 point"))
    entries.append(
      LegendEntry(
        marker: DensityRaster.glyph(level: DensityRaster.levels, kind: kind), markerStyle: theme.text,
        label: fullText))
    if let markerNames, drawsRings, !markerNames.ring.isEmpty {
      entries.append(
        LegendEntry(marker: theme.glyphs.hollowMarker, markerStyle: theme.text, label: markerNames.ring))
    }
    return entries
  }
}
