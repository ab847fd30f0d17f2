import Engine
import Foundation
import VLP

/// The Masked tokens screen's attention view (`a`): where the model looks from the word under
/// the cursor, or from the whole caption, drawn as a heat colour over the half-block image
/// (patches) or as each detector box tinted by its weight (regions); for Oscar also each
/// tag's weight. Grad-CAM or raw attention, any layer, student or momentum model, computed
/// from the current weights between steps (`TrainingEngine.attend`).
struct AttentionView {
  var wholeCaption = false
  var layer: Int?
  var method = AttentionMethod.gradCAM
  var momentum = false
  var request: Int?
  var picture: (key: String, image: RGBImage)?

  /// Handles the view's own keys; false when the key is not one of them.
  mutating func handle(_ action: KeyAction, key: Key, snapshot: EngineSnapshot) -> Bool {
    let layers = snapshot.attention?.map?.layerCount ?? 1
    switch action {
    case .wholeCaption: wholeCaption.toggle()
    case .layer:
      let current = layer ?? snapshot.attention?.map?.layer ?? 0
      let next = current + (key == .character("<") ? -1 : 1)
      layer = min(max(0, next), max(0, layers - 1))
    case .toggleGradCAM: method = method == .gradCAM ? .raw : .gradCAM
    case .toggleMomentum: momentum.toggle()
    default: return false
    }
    return true
  }

  mutating func ask(_ workbench: Workbench, variant: String, pair: Int) {
    let family = workbench.snapshot.variant(variant)?.configuration.model.family
    let method = family == .oscar ? AttentionMethod.raw : self.method
    request = workbench.engine.attend(
      variant: variant,
      request: AttentionMapRequest(
        pairIndex: pair, layer: layer, method: method, momentum: momentum && family != .oscar))
  }

  mutating func draw(
    into region: CanvasRegion, snapshot: EngineSnapshot, variant: VariantSnapshot, pair: Int,
    cursor: Int
  ) {
    let glyphs = region.glyphs
    guard let answer = snapshot.attention, answer.asked.pairIndex == pair else {
      region.put(text: glyphs.text(" asking the model where it looks…"), at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    guard let map = answer.map else {
      region.put(text: " " + (answer.failure ?? "no map"), at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    let word = wholeCaption ? nil : min(cursor, max(0, map.words.count - 1))
    if word != nil, let withheld = map.wordMapsWithheld {
      // Say why instead of drawing a blank map (Grad-CAM in the last fusion layer).
      let width = max(8, region.width - 2)
      let lines = TextBlock.wrap(withheld, width: width)
        + TextBlock.wrap(glyphs.text("w: the whole caption ([CLS]'s map) · t: raw attention"), width: width)
      for (row, line) in lines.enumerated() where row < region.height {
        region.put(text: line, at: Point(x: 1, y: row), style: region.theme.key, maxWidth: width)
      }
      return
    }
    let weights = map.imageWeights(word: word)
    let what = word.map { "“\(map.words[safe: $0] ?? "")”" } ?? "whole caption"
    let title = glyphs.text(what)
    let settings = glyphs.text(
      "\(map.method == .gradCAM ? "Grad-CAM (ITM)" : "raw attention") · layer "
        + "\(map.layer + 1)/\(map.layerCount) · \(map.momentum ? "momentum" : "student")")
    let columns = Layout.columns(region.bounds, [.fixed(min(2 * region.height + 2, region.width / 2)), .fill()])
    let imagePane = region.region(columns[0]).frame(title: title, note: "step \(answer.step)")
    let size = max(8, min(64, 2 * imagePane.height))
    let key = "\(answer.request)/\(word ?? -1)/\(size)"
    if picture?.key != key {
      // Region features alone have no pixels: the boxes are tinted over grey.
      let image =
        variant.data.image(pair, size: size)
        ?? SceneImage(width: size, height: size, filledWith: (0.3, 0.3, 0.3))
      let blended = AttentionOverlay.blend(image, weights: weights, layout: map.layout)
      picture = (try? RGBImage(width: blended.width, height: blended.height, pixels: blended.pixels))
        .map { (key, $0) }
    }
    if let picture { ImageView(image: picture.image).draw(into: imagePane) }
    drawWeights(map, word: word, weights: weights, into: region.region(columns[1]).frame(title: settings))
  }

  /// The largest weights by token (patch row/column or region box), and Oscar's tags.
  private func drawWeights(_ map: AttentionMap, word: Int?, weights: [Float], into pane: CanvasRegion) {
    let theme = pane.theme
    var lines: [(String, CellStyle)] = []
    let order = weights.indices.sorted { weights[$0] > weights[$1] }
    for token in order.prefix(max(1, pane.height / 2)) {
      let name: String
      switch map.layout {
      case .patches(let columns, _): name = "patch row \(token / columns + 1), column \(token % columns + 1)"
      case .regions(let boxes):
        let box = boxes[token]
        name = String(format: "region %d (%.2f, %.2f)-(%.2f, %.2f)", token + 1, box.x1, box.y1, box.x2, box.y2)
      }
      lines.append((String(format: "%.3f  ", weights[token]) + name, token == order.first ? theme.highlight : theme.text))
    }
    if let note = map.note { lines.insert((note, theme.key), at: 0) }
    if !map.tags.isEmpty {
      let tagWeights = map.tagWeights(word: word)
      lines.append(("tags:", theme.dim))
      for (index, tag) in map.tags.enumerated() {
        lines.append((String(format: "%.3f  ", tagWeights[safe: index] ?? 0) + tag, theme.text))
      }
    }
    lines.append((
      pane.glyphs.text("w caption/word · < > layer · t Grad-CAM/raw · M momentum · a back"),
      theme.dim))
    for (row, line) in lines.prefix(pane.height).enumerated() {
      pane.put(text: line.0, at: Point(x: 1, y: row), style: line.1, maxWidth: pane.width - 1)
    }
  }
}
