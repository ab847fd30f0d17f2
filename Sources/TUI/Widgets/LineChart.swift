import Formatting

/// A point of a chart series: x is a step or seconds, y the value.
public struct ChartPoint: Hashable, Sendable {
  public var x: Double
  public var y: Double
  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }
}

public struct ChartSeries: Sendable {
  public var name: String
  /// nil: the theme's series colour for this series' position.
  public var color: TerminalColor?
  public var points: [ChartPoint]
  /// The smoothed curve when the caller computed it (over more points than it passes in
  /// `points`, e.g. before an envelope per column); nil: the chart smooths `points`.
  public var smoothed: [ChartPoint]?

  public init(name: String, color: TerminalColor? = nil, points: [ChartPoint], smoothed: [ChartPoint]? = nil) {
    self.name = name
    self.color = color
    self.points = points
    self.smoothed = smoothed
  }
}

/// A dashed horizontal line with a label, e.g. the loss of a uniform guess `ln(B+Q)=7.0`.
public struct ReferenceLine: Sendable {
  public var value: Double
  public var label: String
  public init(value: Double, label: String) {
    self.value = value
    self.label = label
  }
}

public enum AxisLabelFormat: Sendable {
  /// `1500`, `12k`.
  case number
  /// Seconds as `3m12s`.
  case duration

  /// Tick values over a range: nice numbers, or for durations whole seconds, minutes or hours.
  func ticks(_ range: ValueRange, count: Int) -> [Double] {
    guard self == .duration, range.span > 0 else {
      return AxisTicks.nice(low: range.low, high: range.high, count: count)
    }
    let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600]
    let wanted = range.span / Double(max(1, count - 1))
    let step =
      steps.first { $0 >= wanted } ?? AxisTicks.niceNumber(wanted / 3600, round: true) * 3600
    return AxisTicks.multiples(of: step, low: range.low, high: range.high)
  }

  func label(_ value: Double) -> String {
    switch self {
    case .number: return NumberFormat.compact(value)
    case .duration: return DurationFormat.text(value)
    }
  }
}

/// Line chart of one or more series in braille (ASCII dots in the ASCII theme), with a y axis
/// of rounded ticks, an x axis, a legend outside the plot and optional TensorBoard smoothing:
/// the raw curve dimmed behind the smoothed one.
public struct LineChart: Sendable {
  public var series: [ChartSeries]
  /// TensorBoard's smoothing weight in [0, 0.999]; 0 draws the raw values only.
  public var smoothing: Double
  /// With smoothing, also draw the raw values, dimmed, behind the smoothed curve.
  public var showRaw: Bool
  public var yScale: AxisScale
  /// Scale the y axis to the 5th-95th percentile of the values.
  public var ignoreOutliers: Bool
  public var xFormat: AxisLabelFormat
  public var legend: LegendPlacement
  public var references: [ReferenceLine]

  public init(
    series: [ChartSeries], smoothing: Double = 0, showRaw: Bool = true,
    yScale: AxisScale = .linear, ignoreOutliers: Bool = false, xFormat: AxisLabelFormat = .number,
    legend: LegendPlacement = .automatic, references: [ReferenceLine] = []
  ) {
    self.series = series
    self.smoothing = smoothing
    self.showRaw = showRaw
    self.yScale = yScale
    self.ignoreOutliers = ignoreOutliers
    self.xFormat = xFormat
    self.legend = legend
    self.references = references
  }

  /// Regions under this size show each series' latest value as text instead of a plot.
  public static let minimumPlotSize = (width: 10, height: 4)

  public func draw(into region: CanvasRegion) {
    let prepared = PreparedSeries.prepare(self, theme: region.theme)
    if region.width < Self.minimumPlotSize.width || region.height < Self.minimumPlotSize.height {
      LatestValues(rows: prepared.map { ($0.name, $0.latest, $0.style) }).draw(into: region)
      return
    }
    let entries = prepared.map {
      LegendEntry(
        marker: region.glyphs.legendLine, markerStyle: $0.style,
        label: $0.name + ($0.latest.map { " " + NumberFormat.compact($0) } ?? ""))
    }
    let shownEntries = entries.count < 2 && legend == .automatic ? [] : entries
    let plotArea = ChartLegend.place(
      shownEntries, placement: legend, in: region, plotWidthBesideLegend: 40)
    ChartPlot(chart: self, series: prepared).draw(into: region.region(plotArea))
  }
}

/// A series ready to plot: finite points (positive ones on a log axis), smoothed when asked.
struct PreparedSeries {
  let name: String
  let style: CellStyle
  let raw: [ChartPoint]
  /// nil without smoothing.
  let smoothed: [ChartPoint]?
  var shown: [ChartPoint] { smoothed ?? raw }
  var latest: Double? { shown.last?.y }

  static func prepare(_ chart: LineChart, theme: Theme) -> [PreparedSeries] {
    chart.series.enumerated().map { index, series in
      let raw = series.points.filter {
        $0.x.isFinite && $0.y.isFinite && (chart.yScale == .linear || $0.y > 0)
      }
      var smoothed: [ChartPoint]?
      if chart.smoothing > 0, let given = series.smoothed {
        smoothed = given.filter { $0.x.isFinite && $0.y.isFinite && (chart.yScale == .linear || $0.y > 0) }
      } else if chart.smoothing > 0 {
        let values = Smoothing.debiasedEMA(raw.map(\.y), weight: chart.smoothing)
        smoothed = zip(raw, values).map { ChartPoint(x: $0.x, y: $1) }
      }
      return PreparedSeries(
        name: series.name, style: CellStyle(series.color ?? theme.seriesColor(index)),
        raw: raw, smoothed: smoothed)
    }
  }
}
