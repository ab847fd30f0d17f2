import Engine
import Foundation

/// Screen 5: the variants' curves overlaid, one objective at a time, and a table of their
/// latest evaluations with the best value of each metric highlighted and the step it was
/// measured at.
struct CompareState {
  var objective = 0
  var logScale = false

  mutating func handle(_ action: KeyAction, key: Key, workbench: Workbench) {
    let count = DashboardState.losses(workbench.snapshot).count
    switch action {
    case .move:
      objective += (key == .left || key == .character("h")) ? -1 : 1
      objective = count == 0 ? 0 : (objective % count + count) % count
    case .smoothLess: workbench.changeSmoothing(by: -0.05)
    case .smoothMore: workbench.changeSmoothing(by: 0.05)
    case .toggleLogScale: logScale.toggle()
    case .evaluate:
      workbench.engine.evaluateNow()
      workbench.say("evaluating every variant on the held-out split")
    default: break
    }
  }

  static let metrics: [(name: String, title: String)] = [
    ("i2t_r1", "i2t R@1"), ("i2t_r5", "R@5"), ("i2t_r10", "R@10"), ("t2i_r1", "t2i R@1"),
    ("t2i_r5", "R@5"), ("t2i_r10", "R@10"), ("mlm_top1", "MLM acc"), ("itm_accuracy", "ITM acc"),
    ("polluted_accuracy", "polluted acc"),
  ]

  func draw(into region: CanvasRegion, snapshot: EngineSnapshot, smoothing: Double) {
    let glyphs = region.glyphs
    let losses = DashboardState.losses(snapshot)
    let tableHeight = min(snapshot.variants.count + 4, max(4, region.height / 3))
    let rows = Layout.rows(region.bounds, [.fixed(1), .fill(), .fixed(tableHeight)])
    var x = 1
    for (index, loss) in losses.enumerated() {
      let title = DashboardState.title(loss)
      let style = index == objective ? region.theme.highlight.adding(.reverse) : region.theme.dim
      region.region(rows[0]).put(text: title, at: Point(x: x, y: 0), style: style)
      x += DisplayWidth.of(title) + 2
    }
    if let loss = losses[safe: objective] {
      let series = snapshot.variants.enumerated().map { position, variant in
        ChartSeries(
          name: variant.name, color: region.theme.seriesColor(position),
          points: DashboardState.points(variant.history, loss: loss, byTime: false))
      }.filter { !$0.points.isEmpty }
      let chart = region.region(rows[1]).frame(
        title: glyphs.text("\(DashboardState.title(loss)) · every variant · smoothing \(String(format: "%.2f", smoothing))"))
      if series.isEmpty {
        chart.put(text: glyphs.text("waiting for the first step…"), at: Point(x: 1, y: 0), style: region.theme.dim)
      } else {
        LineChart(
          series: series, smoothing: smoothing, yScale: logScale ? .logarithmic : .linear,
          legend: .automatic
        ).draw(into: chart)
      }
    }
    drawTable(into: region.region(rows[2]).frame(title: "latest evaluation (best highlighted)"), snapshot: snapshot)
  }

  private func drawTable(into region: CanvasRegion, snapshot: EngineSnapshot) {
    let present = Self.metrics.filter { metric in
      snapshot.variants.contains { $0.latestEvaluation?.metric(metric.name) != nil }
    }
    guard !present.isEmpty else {
      region.put(
        text: " no evaluation yet: one runs every \(snapshot.evaluationEvery) steps, v runs one now",
        at: Point(x: 0, y: 0), style: region.theme.dim)
      return
    }
    let rows = snapshot.variants.map { variant -> [String] in
      let evaluation = variant.latestEvaluation
      return [variant.name, evaluation.map { "\($0.step)" } ?? "-"]
        + present.map { metric in evaluation?.metric(metric.name).map { String(format: "%.3f", $0) } ?? "-" }
    }
    Table(
      columns: [TableColumn("variant"), TableColumn("step", alignment: .right)]
        + present.map { TableColumn($0.title, alignment: .right, best: .highest) },
      rows: rows
    ).draw(into: region)
  }
}
