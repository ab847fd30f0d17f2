import Engine
import Formatting
import Foundation
import VLP

/// Screen 4: t-SNE of learned features, one panel per variant side by side (Oscar's Fig. 4:
/// with tags vs without), each cell shaded by how many points fall in it and coloured by its
/// commonest object class. t-SNE runs on its own thread while training goes on, with a progress
/// bar that Esc cancels; once a map is finished, each new checkpoint's features are placed into
/// it (`TSNETransform`), so the points move in one map instead of a new layout per checkpoint.
struct ProjectionState {
  var kind: FeatureKind = .tokens
  var requested: Int?

  mutating func enter(workbench: Workbench) {
    if requested == nil && workbench.snapshot.projection == nil { recompute(workbench) }
  }

  mutating func handle(_ action: KeyAction, workbench: Workbench) {
    switch action {
    case .recompute: recompute(workbench)
    case .features:
      kind = kind == .tokens ? .cls : .tokens
      recompute(workbench)
    case .placeIntoMap:
      requested = workbench.engine.placeIntoMap(kind)
      workbench.say("placing the current weights' features into the map")
    default: break
    }
  }

  mutating func recompute(_ workbench: Workbench) {
    requested = workbench.engine.project(kind)
    workbench.say("t-SNE from scratch of the current weights' \(kind == .tokens ? "token" : "[CLS]") features")
  }

  /// Esc while a projection runs: cancels it (true), else Esc goes back (false).
  static func cancel(workbench: Workbench) -> Bool {
    guard workbench.snapshot.projection?.progress.isRunning == true else { return false }
    workbench.engine.cancelProjection()
    workbench.say("t-SNE cancelled; r starts again, p places the current weights into the map")
    return true
  }

  func draw(into region: CanvasRegion, snapshot: EngineSnapshot) {
    let glyphs = region.glyphs
    guard let projection = snapshot.projection else {
      region.put(text: " r computes a t-SNE of the current weights' features", at: Point(x: 1, y: 1), style: region.theme.dim)
      return
    }
    let rows = Layout.rows(region.bounds, [.fill(), .fixed(1), .fixed(1)])
    let columns = Layout.columns(rows[0], Array(repeating: LayoutSize.fill(), count: max(1, projection.panels.count)))
    for (panel, rect) in zip(projection.panels, columns) {
      let inside = region.region(rect).frame(title: glyphs.text(Self.title(panel, projection)))
      let plot = Layout.rows(inside.bounds, [.fill(), .fixed(1)])
      Self.scatter(panel, kind: projection.kind).draw(into: inside.region(plot[0]))
      let count = grouped(panel.labels.count) + " points"
      let purityText = panel.purity.map { String(format: " · kNN class purity (k=10): %.2f", $0) }
        ?? ""
      inside.region(plot[1]).put(text: glyphs.text(" " + count + purityText), at: Point(x: 0, y: 0), style: region.theme.dim)
    }
    if projection.panels.isEmpty, projection.progress.isRunning {
      region.region(rows[0]).put(
        text: glyphs.text(" the map appears once the affinities are computed…"), at: Point(x: 1, y: 1),
        style: region.theme.dim)
    }
    Self.progressBar(projection).draw(into: region.region(rows[1]).region(Rect(x: 1, y: 0, width: rows[1].width - 1, height: 1)))
    let fusedPairs = projection.panels.contains { $0.labels.contains { $0.modality == .pair } }
    let what = projection.kind == .tokens
      ? "object region/patch and word tokens"
      : fusedPairs
        ? "fused pair [CLS] states (Oscar: no unimodal embedding)"
        : "image and caption embeddings"
    let when = projection.referenceStep.map { "step \(projection.step) placed into the map of step \($0)" }
      ?? "step \(projection.step)"
    region.region(rows[2]).put(
      text: glyphs.text(" \(what) at \(when)"),
      at: Point(x: 0, y: 0), style: region.theme.dim)
  }

  static func title(_ panel: ProjectionPanel, _ projection: ProjectionSnapshot) -> String {
    if projection.referenceStep != nil { return "\(panel.variant) · step \(projection.step)" }
    return "\(panel.variant) · t-SNE \(panel.tsne.iteration)/\(panel.tsne.totalIterations)"
      + (panel.tsne.klDivergence.map { String(format: " · KL %.2f", $0) } ?? "")
  }

  /// The job's phase, count and time left; what Esc does while it runs, what to do once cancelled.
  static func progressBar(_ projection: ProjectionSnapshot) -> ProgressBar {
    let progress = projection.progress
    switch progress.phase {
    case .finished:
      return ProgressBar(
        fraction: nil,
        text: "done" + (progress.elapsed > 0 ? " in " + DurationFormat.text(progress.elapsed) : ""))
    case .cancelled:
      return ProgressBar(fraction: nil, text: "cancelled · r starts from scratch · p places the current weights")
    default:
      return ProgressBar(
        fraction: progress.total > 0 ? progress.fraction : nil, text: progress.summary + " · Esc cancels")
    }
  }

  static func scatter(_ panel: ProjectionPanel, kind: FeatureKind) -> DensityScatter {
    var counts: [Int: Int] = [:]
    for label in panel.labels { counts[label.fineClass, default: 0] += 1 }
    let classOrder = counts.keys.sorted { (counts[$0]!, -$0) > (counts[$1]!, -$1) }
    // Ten colours: the nine commonest classes, the rest together.
    let shown = Array(classOrder.prefix(9))
    let position = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($1, $0) })
    // Names from the labels: the world's classes, or a real data set's detector classes.
    var names: [Int: String] = [:]
    for label in panel.labels where names[label.fineClass] == nil { names[label.fineClass] = label.className }
    var classes = shown.map { ScatterClass(name: names[$0] ?? "class \($0)") }
    if classOrder.count > shown.count { classes.append(ScatterClass(name: "other")) }
    let embedding = panel.tsne.embedding
    let points = panel.labels.indices.compactMap { index -> ScatterPoint? in
      guard 2 * index + 1 < embedding.count else { return nil }
      return ScatterPoint(
        x: Double(embedding[2 * index]), y: Double(embedding[2 * index + 1]),
        classIndex: position[panel.labels[index].fineClass] ?? shown.count,
        marker: panel.labels[index].modality == .text ? .ring : .dot)
    }
    // Oscar's [CLS] points are whole pairs (modality .pair), not images and captions.
    let markerNames =
      kind == .tokens
      ? (dot: "region", ring: "word")
      : panel.labels.contains { $0.modality == .pair }
        ? (dot: "fused pair [CLS]", ring: "") : (dot: "image", ring: "caption")
    return DensityScatter(Scatter(points: points, classes: classes, markerNames: markerNames))
  }
}
