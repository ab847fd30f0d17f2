import Foundation
import Testing
import TestSupport

@testable import NN
@testable import Tensor
@testable import VLP

/// Tests/Fixtures/attention/gradcam_reference.json, written by gradcam_reference.py (numpy,
/// float64): one cross-attention layer, a tanh score, P, dS/dP and ALBEF's Grad-CAM.
private struct GradCAMFixture: Decodable {
  let heads: Int, dimension: Int, keyValueSize: Int, queries: Int, keys: Int
  let text: [Float], image: [Float]
  let queryWeight: [Float], queryBias: [Float], keyWeight: [Float], keyBias: [Float]
  let valueWeight: [Float], valueBias: [Float], outputWeight: [Float], outputBias: [Float]
  let scoreVector: [Float]
  let score: Double, probabilities: [Double], gradients: [Double]
  let wordRows: [[Int]]
  let gradcamWords: [[Double]], gradcamCaption: [Double], rawWords: [[Double]]
}

@Suite struct AttentionMapTests {
  @Test func gradCAMMatchesTheNumpyReference() throws {
    let f: GradCAMFixture = try loadFixture("attention/gradcam_reference.json")
    var random = RandomGenerator(seed: 0)
    let layer = try MultiHeadAttention(
      dimension: f.dimension, headCount: f.heads, keyValueSize: f.keyValueSize, random: &random)
    func load(_ linear: Linear, _ weight: [Float], _ bias: [Float]) {
      for (index, value) in weight.enumerated() { linear.weight.storage.pointer[index] = value }
      for (index, value) in bias.enumerated() { linear.bias!.storage.pointer[index] = value }
    }
    load(layer.query, f.queryWeight, f.queryBias)
    load(layer.key, f.keyWeight, f.keyBias)
    load(layer.value, f.valueWeight, f.valueBias)
    load(layer.output, f.outputWeight, f.outputBias)
    let recorder = AttentionRecorder(recordsGradient: true)
    layer.recorder = recorder
    let text = try Tensor(shape: [1, f.queries, f.dimension], values: f.text)
    let image = try Tensor(shape: [1, f.keys, f.keyValueSize], values: f.image)
    let output = try layer(text, keysValues: image, context: .inference())  // (1, Tq, d)
    let u = try Tensor(shape: [f.dimension, 1], values: f.scoreVector)
    let score = try output.reshaped([f.queries, f.dimension]).matmul(u).tanh().sum()
    try score.backward()
    expectClose(try score.item(), f.score, relative: 1e-5, "score")
    let p = try #require(recorder.probabilities).scalars
    let g = try #require(recorder.gradient).scalars
    expectClose(p, f.probabilities, absolute: 1e-6, relative: 1e-5, "P")
    expectClose(g, f.gradients, relative: 1e-4, ofLargest: 1e-5, "dS/dP")

    let spans = f.wordRows.map { $0[0]..<($0.last! + 1) }
    let gradCAM = GradCAM.wordMaps(
      probabilities: p, gradients: g, heads: f.heads, queryCount: f.queries, keyCount: f.keys,
      tokenRows: spans, keys: 1..<f.keys)
    for (word, expected) in f.gradcamWords.enumerated() {
      expectClose(gradCAM[word], expected, relative: 1e-4, ofLargest: 1e-5, "Grad-CAM word \(word)")
    }
    let map = AttentionMap(
      pairIndex: 0, method: .gradCAM, layer: 0, layerCount: 1, momentum: false,
      words: ["a", "b", "c"], wordMaps: gradCAM, layout: .patches(columns: 3, rows: 2))
    expectClose(map.imageWeights(word: nil), f.gradcamCaption, relative: 1e-4, ofLargest: 1e-5, "caption")
    let raw = GradCAM.wordMaps(
      probabilities: p, gradients: nil, heads: f.heads, queryCount: f.queries, keyCount: f.keys,
      tokenRows: spans, keys: 1..<f.keys)
    for (word, expected) in f.rawWords.enumerated() {
      expectClose(raw[word], expected, absolute: 1e-6, relative: 1e-5, "raw word \(word)")
    }
    // The recorded path gives the fused kernel's output.
    layer.recorder = nil
    let fused = try noGrad { try layer(text, keysValues: image, context: .inference()) }
    expectClose(fused.scalars, output.scalars, absolute: 1e-5, relative: 1e-5, "fused vs recorded")
  }

  /// A probe between steps changes nothing: the losses of steps 3-4 are bit-identical with and
  /// without Grad-CAM maps (student and momentum) taken after step 2.
  @Test func probingBetweenStepsLeavesTrainingBitIdentical() throws {
    func run(probing: Bool) throws -> [Float] {
      let trainer = try Pretrainer(configuration: PretrainerFixtures.configuration(.albef))
      var losses: [Float] = []
      for step in 0..<4 {
        if probing && step == 2 {
          let probe = trainer.attentionMapProbe
          let pair = trainer.retrievalIndices[0]
          _ = try probe.map(AttentionMapRequest(pairIndex: pair, method: .gradCAM))
          _ = try probe.map(AttentionMapRequest(pairIndex: pair, method: .gradCAM, momentum: true))
          _ = try probe.map(AttentionMapRequest(pairIndex: pair, method: .raw))
        }
        let report = try trainer.trainStep()
        losses += report.losses.map(\.value) + [report.gradientNorm]
      }
      return losses
    }
    #expect(try run(probing: true) == run(probing: false))
  }

  @Test(arguments: [(ModelFamily.albef, false), (.albef, true), (.oscar, false)])
  func mapsCoverTheImageTokensAndTheCaptionWords(_ family: ModelFamily, _ patches: Bool) throws {
    var c = PretrainerFixtures.configuration(family)
    c.model.imageInput = patches ? .patches : .regions
    c.model.fusionLayers = 2
    let trainer = try Pretrainer(configuration: c)
    _ = try trainer.trainStep()
    let probe = trainer.attentionMapProbe
    let pair = trainer.retrievalIndices[1]
    let words = trainer.captionWords(of: pair)
    let raw = try probe.map(AttentionMapRequest(pairIndex: pair, method: .raw))
    #expect(raw.words == words)
    #expect(raw.wordMaps.count == words.count)
    let regions = trainer.data.world.pairs[pair].regions.count
    let tokens = patches ? c.model.patchCount : min(c.model.maximumRegions, regions)
    #expect(raw.layout.tokenCount == tokens)
    for row in raw.wordMaps {
      #expect(row.count == tokens)
      #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
    if family == .oscar {
      #expect(!raw.tags.isEmpty)
      // Each word's row over all keys sums to 1; regions and tags take part of it.
      for (regionRow, tagRow) in zip(raw.wordMaps, raw.wordTagWeights) {
        let total: Float = regionRow.reduce(0, +) + tagRow.reduce(0, +)
        #expect(total <= 1.0001)
      }
      #expect(throws: TrainingError.self) {
        try probe.map(AttentionMapRequest(pairIndex: pair, method: .gradCAM))
      }
    } else {
      // Cross-attention to the image: each word's row over [CLS] and the tokens sums to 1.
      for row in raw.wordMaps {
        let total: Float = row.reduce(0, +)
        #expect(total <= 1.0001 && total > 0.3)
      }
      let cam = try probe.map(AttentionMapRequest(pairIndex: pair, method: .gradCAM))
      #expect(cam.layer == 0 && cam.note == nil)
      #expect(cam.wordMaps.flatMap { $0 }.allSatisfy { $0 >= 0 })
      #expect(cam.wordMaps.flatMap { $0 }.contains { $0 > 0 })
      // In the last fusion layer only [CLS]'s row reaches the ITM head: every word's map is 0.
      let last = try probe.map(AttentionMapRequest(pairIndex: pair, layer: 1, method: .gradCAM))
      #expect(last.wordMaps.flatMap { $0 }.allSatisfy { $0 == 0 })
      #expect(last.note != nil)
      // There the words' maps are withheld with the reason, and the caption's map is [CLS]'s row.
      #expect(last.wordMapsWithheld?.contains("fusion layer 2 of 2") == true)
      let caption = try #require(last.captionMap)
      #expect(caption.count == tokens && caption.allSatisfy { $0 >= 0 } && caption.contains { $0 > 0 })
      #expect(last.imageWeights(word: nil) == caption)
      #expect(cam.wordMapsWithheld == nil && cam.captionMap == nil)
      #expect(try probe.map(AttentionMapRequest(pairIndex: pair, layer: 1, method: .raw)).wordMapsWithheld == nil)
      #expect(throws: TrainingError.self) {
        try probe.pointingGame(pairs: [pair], layer: 1, method: .gradCAM)
      }
      #expect(trainer.model.parameters.allSatisfy { $0.grad == nil })
    }
    #expect(throws: TrainingError.self) {
      try probe.map(AttentionMapRequest(pairIndex: pair, layer: probe.layerCount, method: .raw))
    }
  }

  @Test func perWordGradCAMInTheLastLayerIsRefusedWithTheWayOut() {
    let one = AttentionMapProbe.lastLayerWithheld(layer: 0, layerCount: 1)
    #expect(one.contains("fusion layer 1 of 1") && one.contains("model.fusionLayers >= 2"), "\(one)")
    let two = AttentionMapProbe.lastLayerWithheld(layer: 1, layerCount: 2)
    #expect(two.contains("fusion layer 2 of 2") && two.contains("(1-1)"), "\(two)")
  }

  @Test func defaultLayerIsHalfWayUpAsALBEFsThirdOfSix() {
    #expect(AttentionMapProbe.defaultLayer(layerCount: 6) == 2)
    #expect(AttentionMapProbe.defaultLayer(layerCount: 1) == 0)
    #expect(AttentionMapProbe.defaultLayer(layerCount: 2) == 0)
    #expect(AttentionMapProbe.defaultLayer(layerCount: 4) == 1)
  }

  @Test func overlayTintsThePatchAndTheBoxOfTheLargestWeight() {
    let image = RGBImageFixture.grey(8)
    let patches = AttentionOverlay.blend(
      image, weights: [0, 0, 0, 1], layout: .patches(columns: 2, rows: 2))
    #expect(patches.pixel(x: 6, y: 6).0 > 0.45)  // jet's red end over the bottom-right patch
    #expect(patches.pixel(x: 1, y: 1) == (0.5, 0.5, 0.5))  // the smallest weight: untinted
    let boxes = AttentionOverlay.pixelWeights(
      [0.2, 0.8], layout: .regions([
        BoundingBox(x1: 0, y1: 0, x2: 0.5, y2: 0.5), BoundingBox(x1: 0.5, y1: 0.5, x2: 1, y2: 1),
      ]), width: 8, height: 8)
    #expect(boxes[7 * 8 + 7] == 1)
    #expect(abs(boxes[0] - 0.25) < 1e-6)
    #expect(boxes[7] == 0)  // outside every box
  }
}

enum RGBImageFixture {
  static func grey(_ size: Int) -> SceneImage {
    SceneImage(width: size, height: size, filledWith: (0.5, 0.5, 0.5))
  }
}
