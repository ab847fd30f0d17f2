import Engine
import Formatting
import Foundation
import VLP

/// Screen 1: a chart per objective (every variant overlaid) and the total, smoothed as
/// TensorBoard does with the raw curve dimmed behind, chance levels as guide lines, and a pane
/// of the run's current values.
struct DashboardState {
  var selected = 0
  var enlarged = false
  var logScale = false
  var timeAxis = false
  var ignoreOutliers = false
  /// Columns of the pane grid at the last draw, for ↑/↓.
  var columns = 1

  /// Panes narrower or lower than this are not drawn; the grid shows fewer.
  static let minimumPane = (width: 26, height: 7)
  /// Beyond this many points a curve is averaged in buckets (the chart is a few hundred dots
  /// wide anyway), so a long run redraws as fast as a short one.
  static let maximumPoints = 4000

  mutating func handle(_ action: KeyAction, key: Key, workbench: Workbench) {
    let panes = Self.losses(workbench.snapshot).count + 1
    switch action {
    case .smoothLess: workbench.changeSmoothing(by: -0.05)
    case .smoothMore: workbench.changeSmoothing(by: 0.05)
    case .toggleLogScale: logScale.toggle()
    case .toggleTimeAxis: timeAxis.toggle()
    case .toggleOutliers: ignoreOutliers.toggle()
    case .enlarge: enlarged.toggle()
    case .evaluate:
      workbench.engine.evaluateNow()
      workbench.say("evaluating on the held-out split")
    case .evaluateMoreOften, .evaluateLessOften:
      let every = max(1, workbench.snapshot.evaluationEvery)
      let next = action == .evaluateMoreOften ? max(10, every / 2) : min(100_000, every * 2)
      workbench.engine.setEvaluationEvery(next)
      workbench.say("evaluating every \(next) steps")
    case .move: move(key)
    default: break
    }
    selected = min(max(0, selected), max(0, panes - 1))
  }

  /// Arrow keys: the key map gives one action, so the direction is read here.
  mutating func move(_ key: Key) { selected += PaneGrid.offset(of: key, columns: columns) }

  func hint(smoothing: Double) -> String {
    String(format: "smoothing %.2f ([ ])", smoothing) + "   y: \(logScale ? "log" : "linear") (y)"
      + "   x: \(timeAxis ? "time" : "step") (x)   outliers: \(ignoreOutliers ? "ignored" : "shown") (o)"
      + "   e enlarge"
  }

  /// Loss names across variants, in display order (`total` last).
  static func losses(_ snapshot: EngineSnapshot) -> [String] {
    var names: [String] = []
    for variant in snapshot.variants {
      for name in variant.history.lossNames where !names.contains(name) { names.append(name) }
    }
    if names.isEmpty {
      names = (snapshot.variants.first?.configuration.objectives.enabledLosses(
        for: snapshot.variants.first?.configuration.model.family ?? .albef) ?? []) + ["total"]
    }
    return names.filter { $0 != "total" } + (names.contains("total") ? ["total"] : [])
  }

  mutating func draw(into region: CanvasRegion, snapshot: EngineSnapshot, smoothing: Double) {
    let losses = Self.losses(snapshot)
    let paneCount = losses.count + 1
    if enlarged {
      drawPane(selected, losses: losses, into: region, snapshot: snapshot, smoothing: smoothing)
      return
    }
    let grid = PaneGrid.fitting(
      paneCount: paneCount, in: region.bounds, minimumWidth: Self.minimumPane.width,
      minimumHeight: Self.minimumPane.height)
    columns = max(1, grid.columns)
    for (index, rect) in grid.rects(in: region.bounds).enumerated() {
      drawPane(
        index, losses: losses, into: region.region(rect), snapshot: snapshot, smoothing: smoothing)
    }
    if grid.visibleCount < paneCount, region.height > 0 {
      region.put(
        text: region.glyphs.text(" \(paneCount - grid.visibleCount) more panes: enlarge the terminal, or e ↔ "),
        at: Point(x: 1, y: region.height - 1), style: region.theme.dim)
    }
  }

  private func drawPane(
    _ index: Int, losses: [String], into region: CanvasRegion, snapshot: EngineSnapshot,
    smoothing: Double
  ) {
    let isSelected = index == selected
    let titleStyle = isSelected ? region.theme.highlight : region.theme.title
    guard index < losses.count else {
      let inside = region.frame(title: "now", style: isSelected ? region.theme.highlight : nil, titleStyle: titleStyle)
      NowPane(snapshot: snapshot).draw(into: inside)
      return
    }
    let name = losses[index]
    let series = snapshot.variants.enumerated().map { position, variant in
      ChartSeries(
        name: variant.name, color: region.theme.seriesColor(position),
        points: Self.points(variant.history, loss: name, byTime: timeAxis))
    }.filter { !$0.points.isEmpty }
    let latest = snapshot.variants.first?.latest?.loss(name)
    let references = snapshot.variants.first?.referenceLevels.filter { $0.loss == name }.map {
      ReferenceLine(value: Double($0.value), label: "\($0.kind.rawValue) \(NumberFormat.compact(Double($0.value)))")
    } ?? []
    let inside = region.frame(
      title: Self.title(name), note: latest.map { NumberFormat.compact(Double($0)) },
      style: isSelected ? region.theme.highlight : nil, titleStyle: titleStyle)
    guard !series.isEmpty else {
      inside.put(text: region.glyphs.text("waiting for the first step…"), at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    LineChart(
      series: series, smoothing: smoothing, showRaw: true,
      yScale: logScale ? .logarithmic : .linear, ignoreOutliers: ignoreOutliers,
      xFormat: timeAxis ? .duration : .number,
      legend: snapshot.variants.count > 1 ? .automatic : .hidden, references: references
    ).draw(into: inside)
  }

  /// The pane title of a loss: its usual name (VLP's `Objective` table), or the logged name
  /// for a loss the table does not know.
  static func title(_ loss: String) -> String { Objective.displayName(ofMetric: loss) }

  /// (step or time, value) of one loss, bucket-averaged beyond `maximumPoints`.
  static func points(_ history: MetricHistory, loss: String, byTime: Bool) -> [ChartPoint] {
    let raw = history.series(loss)
    let stride = max(1, (raw.count + maximumPoints - 1) / maximumPoints)
    var points: [ChartPoint] = []
    points.reserveCapacity(raw.count / stride + 1)
    var start = 0
    while start < raw.count {
      let end = min(raw.count, start + stride)
      var sum = 0.0
      var count = 0
      for point in raw[start..<end] where point.value.isFinite {
        sum += Double(point.value)
        count += 1
      }
      let last = raw[end - 1]
      points.append(
        ChartPoint(x: byTime ? last.time : Double(last.step), y: count > 0 ? sum / Double(count) : .nan))
      start = end
    }
    return points
  }
}

/// The dashboard's "now" pane: schedule values, speed, queue and the latest evaluation.
struct NowPane {
  let snapshot: EngineSnapshot

  func draw(into region: CanvasRegion) {
    var rows: [(String, String)] = []
    if let latest = snapshot.variants.first?.latest {
      rows.append(("lr", String(format: "%.2e", latest.learningRate)))
      if latest.alpha > 0 || snapshot.variants.first?.configuration.objectives.distillation == true {
        rows.append(("alpha", String(format: "%.2f", latest.alpha)))
      }
      if let temperature = latest.temperature { rows.append(("temperature", String(format: "%.4f", temperature))) }
      let queue = snapshot.variants.first?.configuration.objectives.queueSize ?? 0
      if queue > 0 && snapshot.variants.first?.configuration.model.family == .albef {
        rows.append(("queue", "\(latest.queueFill) / \(queue)"))
      }
      rows.append(("grad norm", NumberFormat.compact(Double(latest.gradientNorm))))
    }
    var speed = snapshot.stepsPerSecond > 0 ? String(format: "%.1f steps/s", snapshot.stepsPerSecond) : "-"
    if let left = snapshot.estimatedSecondsLeft, left > 0 { speed += "  ETA " + DurationFormat.text(left) }
    rows.append(("speed", speed))
    rows.append(("trained", DurationFormat.text(snapshot.elapsed)))
    for variant in snapshot.variants {
      guard let evaluation = variant.latestEvaluation else { continue }
      let prefix = snapshot.variants.count > 1 ? "\(variant.name) " : ""
      let recall = ["i2t_r1", "t2i_r1"].compactMap { evaluation.metric($0).map { String(format: "%.2f", $0) } }
      var retrieval = "R@1 " + recall.joined(separator: " / ")
      // The pool the pairs were ranked in, and R@1's chance level (one correct candidate).
      if evaluation.retrievalPairs > 0 {
        retrieval += "  pool \(evaluation.retrievalPairs), chance "
          + NumberFormat.compact(1 / Double(evaluation.retrievalPairs))
      }
      rows.append(("\(prefix)eval @\(evaluation.step)", retrieval))
      if let mlm = evaluation.metric("mlm_top1") {
        var line = String(format: "MLM %.2f", mlm)
        if let itm = evaluation.metric("itm_accuracy") { line += String(format: "  ITM %.2f", itm) }
        rows.append(("", line))
      }
    }
    if let checkpoint = snapshot.lastCheckpointStep { rows.append(("checkpoint", "step \(checkpoint)")) }
    let keyWidth = min(16, (rows.map { DisplayWidth.of($0.0) }.max() ?? 0) + 1)
    for (row, (key, value)) in rows.prefix(region.height).enumerated() {
      region.put(text: " " + key, at: Point(x: 0, y: row), style: region.theme.dim, maxWidth: keyWidth + 1)
      region.put(text: value, at: Point(x: keyWidth + 2, y: row), style: region.theme.text)
    }
  }
}
