import Engine
import Foundation
import VLP

/// Screen 2: what the momentum (teacher) model says about a recent training batch: at each
/// masked position the truth, the student's top-5 and the teacher's top-5 (the MLM
/// pseudo-targets of ALBEF's momentum distillation); for a chosen image the teacher's top-5
/// texts over batch and queue (the ITC pseudo-targets), with the image drawn in the terminal.
/// A family without a momentum model (Oscar) has no teacher: the screen shows the model's own
/// top-5 and says so, rather than a teacher column. Under the chosen image, ITM's sampled
/// negatives of that pair: the image drawn for its caption and the caption drawn for its image.
struct PseudoTargetsState {
  var selectedImage = 0
  var variant = 0
  var images = ImageCache()

  mutating func handle(_ action: KeyAction, key: Key, snapshot: EngineSnapshot) {
    switch action {
    case .move:
      selectedImage += (key == .up || key == .character("k")) ? -1 : 1
    case .variant:
      variant += (key == .left || key == .character("h")) ? -1 : 1
    default: break
    }
    let variants = max(1, snapshot.variants.count)
    variant = (variant % variants + variants) % variants
    let images = snapshot.variants[safe: variant]?.pseudoTargets?.imageTexts.count ?? 0
    selectedImage = images == 0 ? 0 : (selectedImage % images + images) % images
  }

  mutating func draw(into region: CanvasRegion, snapshot: EngineSnapshot) {
    guard let variant = snapshot.variants[safe: variant] ?? snapshot.variants.first else { return }
    guard let targets = variant.pseudoTargets else {
      region.put(
        text: " No batch captured yet: pseudo-targets appear once training runs (Space).",
        at: Point(x: 1, y: 1), style: region.theme.dim)
      return
    }
    let glyphs = region.glyphs
    let columns = Layout.columns(region.bounds, region.width >= 100 ? [.fill(weight: 3), .fill(weight: 2)] : [.fill()])
    let family = variant.configuration.model.family
    let title = glyphs.text("masked tokens of the batch of step \(variant.pseudoTargetStep)")
      + (snapshot.variants.count > 1 ? " · \(variant.name)" : "")
      + (family.hasMomentumModel ? "" : glyphs.text(" · \(family.displayName): no momentum model, no teacher"))
    let left = region.region(columns[0]).frame(title: title)
    let hasTeacher = targets.maskedPositions.contains { !$0.teacher.isEmpty }
    let data = variant.data
    func ranked(_ list: [RankedCandidate]) -> String {
      list.prefix(5).map { "\(data.token($0.id)) \(String(format: "%.2f", $0.probability).dropFirst())" }
        .joined(separator: glyphs.text(" · "))
    }
    // One row a word (a word's pieces are masked together; the top-5 lists are its first
    // piece's). Only the rows that fit are formatted (a batch has a hundred masked words or more).
    let words = MaskedPositionTargets.groupedByWord(targets.maskedPositions, tokenName: data.token)
    let rows = words.prefix(max(0, left.height - 1)).map { word -> [String] in
      let position = word[0]
      let correct = word.allSatisfy { $0.student.first?.id == $0.truth }
      let inputs = word.map { data.token($0.input) }
      let input =
        word.allSatisfy { $0.input == $0.truth } ? "(kept)"
        : Set(inputs) == [Vocabulary.maskToken] ? Vocabulary.maskToken : WordDisplay.join(inputs)
      return [
        "\(position.sample)", WordDisplay.join(word.map { data.token($0.truth) }), input,
        (correct ? glyphs.text("✓") : " ") + " " + ranked(position.student),
      ] + (hasTeacher ? [ranked(position.teacher)] : [])
    }
    Table(
      columns: [
        TableColumn("row", alignment: .right), TableColumn("truth"), TableColumn("input"),
        TableColumn("model top-5"),
      ] + (hasTeacher ? [TableColumn("momentum top-5 (pseudo-target)")] : []),
      rows: rows
    ).draw(into: left)
    guard columns.count > 1 else { return }
    drawImageTargets(into: region.region(columns[1]), targets: targets, variant: variant)
  }

  private mutating func drawImageTargets(into region: CanvasRegion, targets: PseudoTargets, variant: VariantSnapshot) {
    let glyphs = region.glyphs
    guard let chosen = targets.imageTexts[safe: selectedImage] ?? targets.imageTexts.first else {
      let family = variant.configuration.model.family
      let note = family.hasMomentumModel
        ? "no ITC pseudo-targets in this session"
        : "\(family.displayName) keeps no momentum model: no ITC pseudo-targets"
      region.frame(title: "image").put(text: note, at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    let inside = region.frame(
      title: glyphs.text("image \(selectedImage + 1)/\(targets.imageTexts.count) · pair \(chosen.pairIndex)"))
    let imageHeight = min(inside.height / 2, 12)
    let negatives = targets.matchingNegatives.first { $0.pairIndex == chosen.pairIndex }
    let negativeRows = negatives == nil ? 0 : min(5, max(0, inside.height - imageHeight - 4))
    let parts = Layout.rows(
      inside.bounds, [.fixed(imageHeight), .fixed(1), .fill(), .fixed(negativeRows)])
    if let image = images.image(pair: chosen.pairIndex, size: 2 * imageHeight, data: variant.data) {
      ImageView(image: image).draw(into: inside.region(parts[0]))
    }
    inside.region(parts[1]).put(
      text: "momentum model's top-5 texts (similarity softmax):", at: Point(x: 0, y: 0), style: region.theme.dim)
    let list = inside.region(parts[2])
    var row = 0
    for candidate in chosen.texts.prefix(5) where row < list.height {
      let isTruth = candidate.id == chosen.pairIndex
      let caption = candidate.id >= 0 ? variant.data.caption(candidate.id) : "(random initial queue entry)"
      let text = (isTruth ? glyphs.text("✓ ") : "  ") + String(format: "%.3f ", candidate.probability) + caption
      let lines = TextBlock.wrap(text, width: max(1, list.width - 1))
      for line in lines.prefix(2) where row < list.height {
        list.put(text: line, at: Point(x: 0, y: row), style: isTruth ? region.theme.highlight : region.theme.text)
        row += 1
      }
    }
    if let negatives, negativeRows > 0, parts.count > 3 {
      drawNegatives(
        negatives, into: inside.region(parts[3]), variant: variant)
    }
  }

  /// ITM's negatives of the chosen pair, with the probability each draw had.
  private func drawNegatives(
    _ negatives: MatchingNegativeTargets, into region: CanvasRegion, variant: VariantSnapshot
  ) {
    let sampling = variant.configuration.objectives.itmNegatives.rawValue
    var lines = [("ITM negatives (\(sampling)), drawn with probability p:", region.theme.dim)]
    let drawnNegatives = [
      ("image for its text", ", its caption: ", negatives.image),
      ("text for its image", ": ", negatives.text),
    ]
    for (label, prefix, drawn) in drawnNegatives {
      guard let drawn else {
        lines.append(("\(label): none (every other row is a duplicate)", region.theme.dim))
        continue
      }
      lines.append(
        (
          "\(label): pair \(drawn.id) (p \(String(format: "%.2f", drawn.probability)))"
            + prefix + variant.data.caption(drawn.id), region.theme.text
        ))
    }
    var row = 0
    for (text, style) in lines {
      for line in TextBlock.wrap(text, width: max(1, region.width - 1)).prefix(2) where row < region.height {
        region.put(text: line, at: Point(x: 0, y: row), style: style)
        row += 1
      }
    }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { index >= 0 && index < count ? self[index] : nil }
}
