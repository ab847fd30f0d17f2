import Foundation
import Testing

@testable import Engine
@testable import TUI
@testable import VLP

/// The Masked tokens screen's attention view: `a` shows the map of the word under the cursor,
/// `w` the whole caption's, `<` `>` `t` `M` change what is asked, `a` goes back.
@Suite struct AttentionViewTests {
  static let boxes = [
    BoundingBox(x1: 0, y1: 0, x2: 0.5, y2: 0.5), BoundingBox(x1: 0.5, y1: 0.5, x2: 1, y2: 1),
  ]

  /// The first held-out pair of the fixture and its caption's words.
  static func heldOutCaption(_ engine: FakeEngine) throws -> (pair: Int, words: [String]) {
    let pair = try #require(engine.snapshot.variants[0].data.heldOutPairs.first)
    return (pair, engine.snapshot.variants[0].data.caption(pair).split(separator: " ").map(String.init))
  }

  @Test func keysSwitchTheViewAndItDrawsTheMapItWasGiven() throws {
    let engine = FakeEngine(ScreenFixtures.snapshot())
    let workbench = Workbench(engine: engine, sessionsRoot: try ScreenFixtures.sessionsRoot())
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    _ = workbench.handle(.character("3"))
    _ = workbench.handle(.character("a"))
    #expect(workbench.masked.showsAttention)
    let canvas = Canvas(width: 100, height: 30, theme: .unicodeMonochrome)
    workbench.draw(into: canvas)
    #expect(canvas.lines().joined().contains("asking the model where it looks"))

    let (pair, words) = try Self.heldOutCaption(engine)
    let map = AttentionMap(
      pairIndex: pair, method: .gradCAM, layer: 0, layerCount: 2, momentum: false, words: words,
      wordMaps: words.indices.map { $0 == 0 ? [0.9, 0.1] : [0.2, 0.4] }, layout: .regions(Self.boxes))
    engine.snapshot.attention = AttentionProbeResult(
      request: 1, variant: "fine", step: 300, asked: AttentionMapRequest(pairIndex: pair), map: map)
    workbench.draw(into: canvas)
    var text = canvas.lines().joined(separator: "\n")
    let cursor = workbench.masked.cursor
    #expect(text.contains("“\(words[cursor])”"), "\(text)")
    #expect(text.contains("Grad-CAM (ITM) · layer 1/2 · student"), "\(text)")
    #expect(text.contains(cursor == 0 ? "0.900  region 1" : "0.400  region 2"), "\(text)")

    _ = workbench.handle(.character("w"))
    workbench.draw(into: canvas)
    text = canvas.lines().joined(separator: "\n")
    #expect(text.contains("whole caption"), "\(text)")
    _ = workbench.handle(.character(">"))
    #expect(workbench.masked.attention.layer == 1)
    _ = workbench.handle(.character(">"))
    #expect(workbench.masked.attention.layer == 1, "there are two layers")
    _ = workbench.handle(.character("t"))
    #expect(workbench.masked.attention.method == .raw)
    _ = workbench.handle(.character("M"))
    #expect(workbench.masked.attention.momentum)

    _ = workbench.handle(.character("a"))
    #expect(!workbench.masked.showsAttention)
    #expect(engine.commands.last?.hasPrefix("probe") == true, "back to the predictions asks for them")
  }

  /// Grad-CAM in the last fusion layer: a word's map is withheld with the reason instead of a
  /// blank picture, and `w` draws the whole caption's ([CLS]'s row).
  @Test func aWithheldWordMapIsExplainedAndTheCaptionsMapIsDrawn() throws {
    let engine = FakeEngine(ScreenFixtures.snapshot())
    let workbench = Workbench(engine: engine, sessionsRoot: try ScreenFixtures.sessionsRoot())
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    _ = workbench.handle(.character("3"))
    _ = workbench.handle(.character("a"))
    let (pair, words) = try Self.heldOutCaption(engine)
    var map = AttentionMap(
      pairIndex: pair, method: .gradCAM, layer: 0, layerCount: 1, momentum: false, words: words,
      wordMaps: words.map { _ in [0, 0] }, layout: .regions(Self.boxes))
    map.wordMapsWithheld = AttentionMapProbe.lastLayerWithheld(layer: 0, layerCount: 1)
    map.captionMap = [0.7, 0.1]
    engine.snapshot.attention = AttentionProbeResult(
      request: 1, variant: "fine", step: 300, asked: AttentionMapRequest(pairIndex: pair), map: map)
    let canvas = Canvas(width: 100, height: 30, theme: .unicodeMonochrome)
    workbench.draw(into: canvas)
    var text = canvas.lines().joined(separator: "\n")
    #expect(text.contains("no per-word Grad-CAM in fusion layer 1 of 1"), "\(text)")
    #expect(!text.contains("region 1 ("), "no blank map's weights: \(text)")
    _ = workbench.handle(.character("w"))
    workbench.draw(into: canvas)
    text = canvas.lines().joined(separator: "\n")
    #expect(text.contains("whole caption") && text.contains("0.700  region 1"), "\(text)")
  }
}
