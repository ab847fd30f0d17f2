import Engine
import Foundation
import VLP

/// Screen 3: step through held-out pairs, mask words with the cursor and see the model's top-5
/// at every masked position, recomputed from the current weights at once (between two training
/// steps) whenever the mask or the sample changes.
struct MaskedTokensState {
  var sample = 0
  var cursor = 0
  var masked: Set<Int> = []
  var draws = 0
  var variant = 0
  var request: Int?
  var started = false
  var images = ImageCache()
  var showsAttention = false
  var attention = AttentionView()

  mutating func enter(workbench: Workbench) {
    if !started {
      started = true
      randomMask(words: words(workbench.snapshot).count)
    }
    ask(workbench)
  }

  mutating func handle(_ action: KeyAction, key: Key, workbench: Workbench) {
    let snapshot = workbench.snapshot
    let pairs = snapshot.variants[safe: variant]?.data.heldOutPairs.count ?? 0
    let wordCount = words(snapshot).count
    if action == .toggleAttention { showsAttention.toggle() }
    if showsAttention && attention.handle(action, key: key, snapshot: snapshot) {
      return ask(workbench)
    }
    switch action {
    case .moveWord:
      cursor += (key == .left || key == .character("h")) ? -1 : 1
      cursor = min(max(0, cursor), max(0, wordCount - 1))
      return
    case .moveSample, .firstSample, .lastSample:
      if action == .firstSample {
        sample = 0
      } else if action == .lastSample {
        sample = max(0, pairs - 1)
      } else {
        sample += (key == .up || key == .character("k")) ? -1 : 1
      }
      sample = pairs == 0 ? 0 : min(max(0, sample), pairs - 1)
      cursor = 0
      randomMask(words: words(workbench.snapshot).count)
    case .toggleMask:
      if masked.contains(cursor) { masked.remove(cursor) } else { masked.insert(cursor) }
    case .randomMask:
      draws += 1
      randomMask(words: wordCount)
    case .clearMask: masked = []
    case .nextVariant:
      variant = (variant + 1) % max(1, snapshot.variants.count)
    case .toggleAttention: break
    default: return
    }
    ask(workbench)
  }

  /// The pair shown, as a world index.
  func pair(_ snapshot: EngineSnapshot) -> Int? {
    snapshot.variants[safe: variant]?.data.heldOutPairs[safe: sample]
  }

  /// The caption's words: the model's view from the last answer for this pair, else the text.
  func words(_ snapshot: EngineSnapshot) -> [String] {
    guard let pair = pair(snapshot) else { return [] }
    if let probe = snapshot.probe, probe.pairIndex == pair, !probe.words.isEmpty { return probe.words }
    return snapshot.variants[safe: variant]?.data.caption(pair).split(separator: " ").map(String.init) ?? []
  }

  /// About 15% of the words, at least one, drawn from (sample, draw) so that it is the same
  /// mask each time the same sample is shown.
  mutating func randomMask(words count: Int) {
    guard count > 0 else {
      masked = []
      return
    }
    var state = UInt64(sample) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(draws) &* 0xBF58_476D_1CE4_E5B9 &+ 1
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    let wanted = max(1, Int((Double(count) * 0.15).rounded()))
    var chosen: Set<Int> = []
    while chosen.count < wanted { chosen.insert(Int(next() % UInt64(count))) }
    masked = chosen
    cursor = chosen.min() ?? 0
  }

  mutating func ask(_ workbench: Workbench) {
    let snapshot = workbench.snapshot
    guard let variant = snapshot.variants[safe: variant], let pair = pair(snapshot) else { return }
    if showsAttention { return attention.ask(workbench, variant: variant.name, pair: pair) }
    request = workbench.engine.probe(variant: variant.name, pairIndex: pair, maskedWords: masked)
  }

  mutating func draw(into region: CanvasRegion, snapshot: EngineSnapshot) {
    guard let variant = snapshot.variants[safe: variant], let pair = pair(snapshot) else {
      region.put(text: " no held-out pairs yet (the session is loading)", at: Point(x: 1, y: 1), style: region.theme.dim)
      return
    }
    let glyphs = region.glyphs
    let words = self.words(snapshot)
    let top = Layout.rows(region.bounds, [.fixed(min(12, region.height / 2)), .fill()])
    let upper = Layout.columns(top[0], [.fixed(min(24, region.width / 3)), .fill()])
    let imagePane = region.region(upper[0]).frame(title: "image")
    if let rgb = images.image(pair: pair, size: 2 * max(1, top[0].height - 2), data: variant.data) {
      ImageView(image: rgb).draw(into: imagePane)
    }
    let captionTitle = glyphs.text(
      "held-out pair \(sample + 1) / \(variant.data.heldOutPairs.count) · #\(pair)"
        + (snapshot.variants.count > 1 ? " · \(variant.name)" : ""))
    let captionPane = region.region(upper[1]).frame(title: captionTitle)
    drawCaption(words, into: captionPane, theme: region.theme)
    if let probe = snapshot.probe, probe.pairIndex == pair, let generated = probe.generatedCaption,
      captionPane.height >= 6
    {
      captionPane.put(
        text: glyphs.text("generated (PrefixLM, step \(probe.step)): ") + generated.joined(separator: " "),
        at: Point(x: 1, y: captionPane.height - 3), style: region.theme.key)
    }
    let tags = variant.data.tags(pair)
    if captionPane.height >= 5 {
      captionPane.put(
        text: glyphs.text("tags (\(variant.data.tagSet)): ") + (tags.isEmpty ? "none" : tags),
        at: Point(x: 1, y: captionPane.height - 2), style: region.theme.dim)
    }
    if captionPane.height >= 4 {
      captionPane.put(
        text: glyphs.text("cursor on “\(words[safe: cursor] ?? "")” · m mask/unmask · r random 15%"),
        at: Point(x: 1, y: captionPane.height - 1), style: region.theme.dim)
    }
    if showsAttention {
      attention.draw(
        into: region.region(top[1]), snapshot: snapshot, variant: variant, pair: pair, cursor: cursor)
    } else {
      drawPredictions(into: region.region(top[1]), snapshot: snapshot, pair: pair)
    }
  }

  private func drawCaption(_ words: [String], into region: CanvasRegion, theme: Theme) {
    var x = 1
    var y = 0
    for (index, word) in words.enumerated() {
      let shown = masked.contains(index) ? "[MASK]" : word
      let width = DisplayWidth.of(shown)
      if x + width >= region.width, x > 1 {
        x = 1
        y += 2
      }
      guard y < max(1, region.height - 2) else { break }
      var style = masked.contains(index) ? theme.key : theme.text
      if index == cursor { style = style.adding(.reverse) }
      region.put(text: shown, at: Point(x: x, y: y), style: style)
      if masked.contains(index), y + 1 < region.height - 2 {
        region.put(text: String(repeating: "^", count: width), at: Point(x: x, y: y + 1), style: theme.key)
      }
      x += width + 2
    }
  }

  private func drawPredictions(into region: CanvasRegion, snapshot: EngineSnapshot, pair: Int) {
    let glyphs = region.glyphs
    guard let probe = snapshot.probe, probe.pairIndex == pair else {
      region.put(text: glyphs.text(" asking the model…"), at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    let stale = probe.maskedWords != masked
    let predictions = probe.predictions.sorted { $0.word < $1.word }
    guard !predictions.isEmpty else {
      region.put(text: " no word masked: m masks the word under the cursor", at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    // Panes of five candidates, as many per row as fit, rows of 7 lines.
    let perRow = max(1, min(predictions.count, region.width / 28))
    let paneWidth = region.width / perRow
    for (index, prediction) in predictions.enumerated() {
      let rect = Rect(x: (index % perRow) * paneWidth, y: (index / perRow) * 7, width: paneWidth, height: 7)
      guard rect.maxY <= region.height else {
        region.put(
          text: " \(predictions.count - index) more masked words: enlarge the terminal",
          at: Point(x: 0, y: region.height - 1), style: region.theme.dim)
        break
      }
      let pane = region.region(rect).frame(
        title: glyphs.text("word \(prediction.word + 1): truth “\(prediction.truth)”"),
        note: stale ? glyphs.text("…") : "step \(probe.step)")
      for (row, candidate) in prediction.candidates.prefix(pane.height).enumerated() {
        let isTruth = candidate.token == prediction.truth
        pane.put(
          text: (isTruth ? glyphs.text("✓ ") : "  ") + candidate.token,
          at: Point(x: 0, y: row), style: isTruth ? region.theme.highlight : region.theme.text,
          maxWidth: max(1, pane.width - 7))
        pane.put(
          text: String(format: "%.2f", candidate.probability), at: Point(x: pane.width - 5, y: row),
          width: 5, alignment: .right, style: region.theme.dim)
      }
    }
  }
}
