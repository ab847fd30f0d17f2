import Engine
import Foundation
import VLP

/// Screen 4: t-SNE of learned features, one panel per variant side by side (Oscar's Fig. 4:
/// with tags vs without), coloured by object class, regions or patches filled and words
/// hollow; it animates while t-SNE iterates on its own thread.
struct ProjectionState {
  var kind: FeatureKind = .tokens
  var requested: Int?
  /// kNN class purity per (request, variant), computed once a projection has finished.
  var purity: [String: Double] = [:]
  var purityRequest: Int?

  mutating func enter(workbench: Workbench) {
    if requested == nil && workbench.snapshot.projection == nil { recompute(workbench) }
  }

  mutating func handle(_ action: KeyAction, workbench: Workbench) {
    switch action {
    case .recompute: recompute(workbench)
    case .features:
      kind = kind == .tokens ? .cls : .tokens
      recompute(workbench)
    default: break
    }
  }

  mutating func recompute(_ workbench: Workbench) {
    requested = workbench.engine.project(kind)
    purity = [:]
    workbench.say("t-SNE of the current weights' \(kind == .tokens ? "token" : "[CLS]") features")
  }

  mutating func draw(into region: CanvasRegion, snapshot: EngineSnapshot) {
    let glyphs = region.glyphs
    guard let projection = snapshot.projection else {
      region.put(text: " r computes a t-SNE of the current weights' features", at: Point(x: 1, y: 1), style: region.theme.dim)
      return
    }
    if projection.isFinished && purityRequest != projection.request {
      purityRequest = projection.request
      purity = Dictionary(uniqueKeysWithValues: projection.panels.map {
        ($0.variant, Self.neighbourPurity(embedding: $0.tsne.embedding, classes: $0.labels.map(\.fineClass)))
      })
    }
    let rows = Layout.rows(region.bounds, [.fill(), .fixed(1)])
    let columns = Layout.columns(rows[0], Array(repeating: LayoutSize.fill(), count: max(1, projection.panels.count)))
    for (panel, rect) in zip(projection.panels, columns) {
      let title = glyphs.text(
        "\(panel.variant) · t-SNE \(panel.tsne.iteration)/\(panel.tsne.totalIterations)"
          + (panel.tsne.klDivergence.map { String(format: " · KL %.2f", $0) } ?? ""))
      let inside = region.region(rect).frame(title: title)
      let plot = Layout.rows(inside.bounds, [.fill(), .fixed(1)])
      Self.scatter(panel, kind: projection.kind).draw(into: inside.region(plot[0]))
      let purityText = purity[panel.variant].map { String(format: "kNN class purity (k=10): %.2f", $0) }
        ?? glyphs.text("iterating…")
      inside.region(plot[1]).put(text: " " + purityText, at: Point(x: 0, y: 0), style: region.theme.dim)
    }
    let fusedPairs = projection.panels.contains { $0.labels.contains { $0.modality == .pair } }
    let what = projection.kind == .tokens
      ? "object region/patch (filled) and word (hollow) tokens"
      : fusedPairs
        ? "fused pair [CLS] states (Oscar: no unimodal embedding)"
        : "image (filled) and caption (hollow) embeddings"
    region.region(rows[1]).put(
      text: glyphs.text(" \(what) of held-out pairs at step \(projection.step) · r recompute · f features"),
      at: Point(x: 0, y: 0), style: region.theme.dim)
  }

  static func scatter(_ panel: ProjectionPanel, kind: FeatureKind) -> Scatter {
    var classOrder: [Int] = []
    var counts: [Int: Int] = [:]
    for label in panel.labels { counts[label.fineClass, default: 0] += 1 }
    classOrder = counts.keys.sorted { (counts[$0]!, -$0) > (counts[$1]!, -$1) }
    // Ten colours: the nine commonest classes, the rest together.
    let shown = Array(classOrder.prefix(9))
    let position = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($1, $0) })
    // Names from the labels: the world's classes, or a real data set's detector classes.
    var names: [Int: String] = [:]
    for label in panel.labels where names[label.fineClass] == nil { names[label.fineClass] = label.className }
    var classes = shown.map { ScatterClass(name: names[$0] ?? "class \($0)") }
    if classOrder.count > shown.count { classes.append(ScatterClass(name: "other")) }
    let points = panel.labels.enumerated().map { index, label in
      ScatterPoint(
        x: Double(panel.tsne.embedding[2 * index]), y: Double(panel.tsne.embedding[2 * index + 1]),
        classIndex: position[label.fineClass] ?? shown.count,
        marker: label.modality == .text ? .ring : .dot)
    }
    // Oscar's [CLS] points are whole pairs (modality .pair), not images and captions.
    let markerNames =
      kind == .tokens
      ? (dot: "region", ring: "word")
      : panel.labels.contains { $0.modality == .pair }
        ? (dot: "fused pair [CLS]", ring: "") : (dot: "image", ring: "caption")
    return Scatter(points: points, classes: classes, markerNames: markerNames)
  }

  /// The mean fraction of each point's 10 nearest neighbours in the map that share its class.
  static func neighbourPurity(embedding: [Float], classes: [Int], k: Int = 10) -> Double {
    let count = classes.count
    guard count > k else { return 0 }
    var total = 0.0
    for i in 0..<count {
      var distances: [(Float, Int)] = []
      distances.reserveCapacity(count - 1)
      for j in 0..<count where j != i {
        let dx = embedding[2 * i] - embedding[2 * j]
        let dy = embedding[2 * i + 1] - embedding[2 * j + 1]
        distances.append((dx * dx + dy * dy, j))
      }
      distances.sort { $0.0 < $1.0 }
      total += Double(distances.prefix(k).filter { classes[$0.1] == classes[i] }.count) / Double(k)
    }
    return total / Double(count)
  }
}
