import Engine
import Foundation
import TSNE

/// `vlp export --curves`: a session's loss curves as CSV (one row per step and variant) or as a
/// standalone SVG with one chart per objective, variants overlaid, the raw curve faint behind
/// the smoothed one (TensorBoard's debiased EMA).
public enum CurveExport {
  static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1"]

  public static func csv(_ records: [MetricRecord]) -> String {
    let losses = MetricRecord.lossNames(records)
    var lines = [(["step", "variant", "time", "lr", "alpha", "temperature"] + losses).joined(separator: ",")]
    for record in records {
      var fields = [
        String(record.step), record.variant, String(format: "%.3f", record.time),
        "\(record.learningRate)", "\(record.alpha)", record.temperature.map { "\($0)" } ?? "",
      ]
      fields += losses.map { name in record.loss(name).map { "\($0)" } ?? "" }
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func svg(_ records: [MetricRecord], title: String, smoothing: Double = 0.6) -> String {
    let losses = MetricRecord.lossNames(records)
    var variants: [String] = []
    for record in records where !variants.contains(record.variant) { variants.append(record.variant) }
    let panels = losses.map { loss in
      (name: loss, series: variants.map { variant in
        records.filter { $0.variant == variant }.compactMap { record in
          record.loss(loss).map { (Double(record.step), Double($0)) }
        }.filter { $0.1.isFinite }
      })
    }
    return svg(panels: panels, seriesNames: variants, title: title, smoothing: smoothing)
  }

  /// Charts of named panels (two per row), each with one series per name of `seriesNames`
  /// (points (x, y), possibly none), a legend on top.
  public static func svg(
    panels: [(name: String, series: [[(Double, Double)]])], seriesNames: [String], title: String,
    smoothing: Double = 0.6
  ) -> String {
    let (panelWidth, panelHeight, columns) = (420.0, 240.0, 2)
    let rows = max(1, (panels.count + columns - 1) / columns)
    let width = panelWidth * Double(columns) + 20
    let height = panelHeight * Double(rows) + 60
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      font-family="sans-serif" font-size="11">
      <rect width="100%" height="100%" fill="white"/>
      <text x="10" y="20" font-size="14">\(EmbeddingPlot.escaped(title))</text>

      """
    for (index, name) in seriesNames.enumerated() {
      let x = 10 + Double(index) * 130
      svg += "<rect x=\"\(x)\" y=\"30\" width=\"12\" height=\"4\" fill=\"\(color(index))\"/>"
      svg += "<text x=\"\(x + 16)\" y=\"35\">\(EmbeddingPlot.escaped(name))</text>\n"
    }
    for (index, panel) in panels.enumerated() {
      let originX = 10 + Double(index % columns) * panelWidth
      let originY = 50 + Double(index / columns) * panelHeight
      svg += self.panel(
        panel.name, series: panel.series, origin: (originX, originY),
        size: (panelWidth - 20, panelHeight - 20), smoothing: smoothing)
    }
    return svg + "</svg>\n"
  }

  private static func panel(
    _ name: String, series: [[(Double, Double)]], origin: (Double, Double),
    size: (Double, Double), smoothing: Double
  ) -> String {
    let all = series.flatMap { $0 }
    guard let minX = all.map(\.0).min(), let maxX = all.map(\.0).max(),
      let minY = all.map(\.1).min(), let maxY = all.map(\.1).max()
    else { return "" }
    let (left, top) = (origin.0 + 50, origin.1 + 18)
    let (plotWidth, plotHeight) = (size.0 - 60, size.1 - 40)
    let spanX = max(maxX - minX, 1)
    let spanY = max(maxY - minY, 1e-9)
    func x(_ value: Double) -> Double { left + (value - minX) / spanX * plotWidth }
    func y(_ value: Double) -> Double { top + plotHeight - (value - minY) / spanY * plotHeight }
    var out = "<g>\n<text x=\"\(left)\" y=\"\(origin.1 + 12)\" font-weight=\"bold\">\(EmbeddingPlot.escaped(name))</text>\n"
    out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#999\"/>\n"
    for tick in 0...4 {
      let value = minY + spanY * Double(tick) / 4
      out += "<text x=\"\(left - 4)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(format(value))</text>\n"
      let step = minX + spanX * Double(tick) / 4
      out += "<text x=\"\(x(step))\" y=\"\(top + plotHeight + 14)\" text-anchor=\"middle\">\(Int(step.rounded()))</text>\n"
    }
    for (index, points) in series.enumerated() where !points.isEmpty {
      let smoothed = Smoothing.debiasedEMA(points.map(\.1), weight: smoothing)
      let raw = points.map { "\(fixed(x($0.0))),\(fixed(y($0.1)))" }.joined(separator: " ")
      let smooth = zip(points, smoothed).map { "\(fixed(x($0.0))),\(fixed(y($1)))" }.joined(separator: " ")
      out += "<polyline points=\"\(raw)\" fill=\"none\" stroke=\"\(color(index))\" stroke-opacity=\"0.25\"/>\n"
      out += "<polyline points=\"\(smooth)\" fill=\"none\" stroke=\"\(color(index))\" stroke-width=\"1.5\"/>\n"
    }
    return out + "<text x=\"\(left + plotWidth / 2)\" y=\"\(top + plotHeight + 28)\" text-anchor=\"middle\">step</text>\n</g>\n"
  }

  private static func color(_ index: Int) -> String { palette[index % palette.count] }
  private static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }
  private static func format(_ value: Double) -> String {
    abs(value) >= 100 ? String(format: "%.0f", value) : abs(value) >= 1 ? String(format: "%.2f", value) : String(format: "%.3g", value)
  }
}
