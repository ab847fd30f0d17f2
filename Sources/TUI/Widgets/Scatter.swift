/// How a scatter point is drawn: a braille dot, or a whole-cell hollow marker that stands out
/// from the dots (region tokens as dots, word tokens as rings in the projection screen).
public enum ScatterMarker: Hashable, Sendable {
  case dot
  case ring
}

public struct ScatterPoint: Hashable, Sendable {
  public var x: Double
  public var y: Double
  /// Index into the scatter's classes, for the colour.
  public var classIndex: Int
  public var marker: ScatterMarker

  public init(x: Double, y: Double, classIndex: Int, marker: ScatterMarker = .dot) {
    self.x = x
    self.y = y
    self.classIndex = classIndex
    self.marker = marker
  }
}

public struct ScatterClass: Sendable {
  public var name: String
  /// nil: the theme's series colour for this class' position.
  public var color: TerminalColor?
  public init(name: String, color: TerminalColor? = nil) {
    self.name = name
    self.color = color
  }
}

/// A 2-D scatter plot (a t-SNE projection): braille dots coloured by class, ring markers for a
/// second kind of point, the range fitted to the points with a margin, and a legend.
public struct Scatter: Sendable {
  public var points: [ScatterPoint]
  public var classes: [ScatterClass]
  /// Legend names of the two marker kinds, e.g. ("region", "word"); nil leaves them out.
  public var markerNames: (dot: String, ring: String)?
  /// Margin added on each side, as a fraction of the points' span.
  public var padding: Double
  public var legend: LegendPlacement

  public init(
    points: [ScatterPoint], classes: [ScatterClass],
    markerNames: (dot: String, ring: String)? = nil, padding: Double = 0.05,
    legend: LegendPlacement = .automatic
  ) {
    self.points = points
    self.classes = classes
    self.markerNames = markerNames
    self.padding = padding
    self.legend = legend
  }

  /// The points with finite coordinates, or nil where the region is too small for a plot: then
  /// their count is written instead, so a shrunken panel still says what it holds.
  static func plottablePoints(_ points: [ScatterPoint], in region: CanvasRegion) -> [ScatterPoint]? {
    let visible = points.filter { $0.x.isFinite && $0.y.isFinite }
    if region.width < LineChart.minimumPlotSize.width
      || region.height < LineChart.minimumPlotSize.height
    {
      region.put(text: "\(visible.count) points", at: Point(x: 0, y: 0), style: region.theme.dim)
      return nil
    }
    return visible
  }

  public func draw(into region: CanvasRegion) {
    let theme = region.theme
    guard let visible = Scatter.plottablePoints(points, in: region) else { return }
    let entries = legendEntries(theme: theme)
    let plotArea = ChartLegend.place(
      entries, placement: legend, in: region, plotWidthBesideLegend: 30)
    guard let xData = ValueRange.enclosing(visible.map(\.x)),
      let yData = ValueRange.enclosing(visible.map(\.y))
    else {
      region.put(text: "no points", at: Point(x: 0, y: 0), style: theme.dim)
      return
    }
    let (xRange, yRange) = (xData.padded(by: padding), yData.padded(by: padding))
    let plot = region.region(plotArea)
    var raster = DotRaster(kind: theme.glyphs.raster, columns: plot.width, rows: plot.height)
    let perCell = raster.kind.dotsPerCell
    var rings: [(Point, CellStyle)] = []
    for point in visible {
      let exactX = xRange.position(of: point.x) * Double(raster.dotWidth - 1)
      let exactY = (1 - yRange.position(of: point.y)) * Double(raster.dotHeight - 1)
      // A span that overflows (points near ±Double.greatestFiniteMagnitude) gives NaN.
      guard exactX.isFinite, exactY.isFinite else { continue }
      let (dotX, dotY) = (Int(exactX.rounded()), Int(exactY.rounded()))
      let style = CellStyle(color(ofClass: point.classIndex, theme: theme))
      switch point.marker {
      case .dot: raster.setDot(x: dotX, y: dotY, style: style)
      case .ring: rings.append((Point(x: dotX / perCell.columns, y: dotY / perCell.rows), style))
      }
    }
    raster.draw(into: plot)
    for (cell, style) in rings { plot.set(theme.glyphs.hollowMarker, at: cell, style: style) }
  }

  private func color(ofClass index: Int, theme: Theme) -> TerminalColor {
    (classes.indices.contains(index) ? classes[index].color : nil) ?? theme.seriesColor(index)
  }

  private func legendEntries(theme: Theme) -> [LegendEntry] {
    var entries = classes.indices.map { index in
      LegendEntry(
        marker: theme.glyphs.filledMarker,
        markerStyle: CellStyle(color(ofClass: index, theme: theme)), label: classes[index].name)
    }
    if let markerNames {
      let fullCell = theme.glyphs.raster.sampleGlyph
      entries.append(LegendEntry(marker: fullCell, markerStyle: theme.text, label: markerNames.dot))
      // An empty name: every point is a dot (Oscar's fused pairs), so no ring entry.
      if !markerNames.ring.isEmpty {
        entries.append(
          LegendEntry(
            marker: theme.glyphs.hollowMarker, markerStyle: theme.text,
            label: markerNames.ring))
      }
    }
    return entries
  }
}
