import Foundation
import Tensor
import Testing
import TestSupport

@testable import VLP

/// Tests/Fixtures/objectives_ii_reference.json, written by objectives_ii_reference.py (numpy,
/// float64, from UNITER's, LXMERT's and UNIMO's formulas in docs/objectives.md).
private struct ObjectiveIIFixture: Decodable {
  struct Regression: Decodable {
    let name: String, kind: String, rows: Int, width: Int
    let prediction: [Float], target: [Float], loss: Double, gradPrediction: [Double]
  }
  struct Classification: Decodable {
    let rows: Int, classes: Int, logits: [Float], labels: [Int], distributions: [Float]
    let hardLoss: Double, gradHard: [Double], softLoss: Double, gradSoft: [Double]
  }
  struct Alignment: Decodable {
    let pairs: Int, words: Int, regions: Int, dimension: Int
    let wordStates: [Float], regionStates: [Float], wordMask: [Float], regionMask: [Float]
    let labels: [Int], plans: [Double], distances: [Double], loss: Double
    let gradWords: [Double], gradRegions: [Double]
  }
  struct Contrastive: Decodable {
    let anchors: Int, candidates: Int, dimension: Int
    let anchorValues: [Float], candidateValues: [Float], positives: [[Int]], temperature: Float
    let loss: Double, gradAnchors: [Double], gradCandidates: [Double], gradTemperature: Double
  }
  struct Captioning: Decodable {
    let ids: [Int], lengths: [Int], length: Int, vocabulary: Int, positions: [Int], targets: [Int]
    let logits: [Float], loss: Double, gradLogits: [Double]
  }
  let regression: [Regression]
  let classification: Classification
  let wra: Alignment
  let cmcl: Contrastive
  let prefixlm: Captioning

  static func load() throws -> ObjectiveIIFixture {
    try loadFixture("objectives_ii_reference.json")
  }
}

@Suite struct ObjectiveReferenceIITests {
  @Test func featureRegressionMatchesReference() throws {
    for c in try ObjectiveIIFixture.load().regression {
      let shape = Shape([c.rows, c.width])
      let prediction = try Tensor(shape: shape, values: c.prediction).requiringGrad()
      let target = try Tensor(shape: shape, values: c.target).requiringGrad()
      let loss = try MaskedVisionModeling.regression(
        prediction: prediction, target: target, loss: RegressionLoss(rawValue: c.kind)!)
      try loss.backward()
      expectClose(try loss.item(), c.loss, relative: 1e-5, "\(c.name) loss")
      expectClose(
        prediction.grad!.scalars, c.gradPrediction, relative: 1e-4, ofLargest: 1e-7,
        "\(c.name) grad")
      #expect(target.grad == nil, "\(c.name): the original feature is a constant")
    }
  }

  @Test func regionClassificationMatchesReference() throws {
    let c = try ObjectiveIIFixture.load().classification
    let shape = Shape([c.rows, c.classes])
    let hardLogits = try Tensor(shape: shape, values: c.logits).requiringGrad()
    let hard = try MaskedVisionModeling.classification(logits: hardLogits, labels: c.labels)
    try hard.backward()
    expectClose(try hard.item(), c.hardLoss, relative: 1e-5, "mrc loss")
    expectClose(hardLogits.grad!.scalars, c.gradHard, relative: 1e-4, ofLargest: 1e-7, "mrc grad")
    let softLogits = try Tensor(shape: shape, values: c.logits).requiringGrad()
    let soft = try MaskedVisionModeling.klClassification(
      logits: softLogits, distributions: Tensor(shape: shape, values: c.distributions))
    try soft.backward()
    expectClose(try soft.item(), c.softLoss, relative: 1e-5, "mrc-kl loss")
    expectClose(
      softLogits.grad!.scalars, c.gradSoft, relative: 1e-4, ofLargest: 1e-7, "mrc-kl grad")
  }

  @Test func wordRegionAlignmentMatchesReference() throws {
    let c = try ObjectiveIIFixture.load().wra
    let words = try Tensor(shape: [c.pairs, c.words, c.dimension], values: c.wordStates)
      .requiringGrad()
    let regions = try Tensor(shape: [c.pairs, c.regions, c.dimension], values: c.regionStates)
      .requiringGrad()
    let wordMask = try Tensor(shape: [c.pairs, c.words], values: c.wordMask)
    let regionMask = try Tensor(shape: [c.pairs, c.regions], values: c.regionMask)
    let distances = try WordRegionAlignment.distances(
      words: words, regions: regions, wordMask: wordMask, regionMask: regionMask)
    expectClose(distances.scalars, c.distances, relative: 1e-5, ofLargest: 1e-8, "distances")
    let loss = try WordRegionAlignment.loss(distances: distances, labels: c.labels)
    try loss.backward()
    expectClose(try loss.item(), c.loss, relative: 1e-5, "wra loss")
    expectClose(words.grad!.scalars, c.gradWords, relative: 1e-4, ofLargest: 1e-7, "d/dwords")
    expectClose(regions.grad!.scalars, c.gradRegions, relative: 1e-4, ofLargest: 1e-7, "d/dregions")
  }

  /// The plan alone, in Double: same values as UNITER's ipot, and the marginals IPOT promises:
  /// each real word sends exactly 1 / n_words, each real region receives about 1 / n_regions,
  /// padding nothing.
  @Test func transportPlanHasTheRightMarginals() throws {
    let c = try ObjectiveIIFixture.load().wra
    let (m, n, d) = (c.words, c.regions, c.dimension)
    for p in 0..<c.pairs {
      let wordMask = Array(c.wordMask[p * m..<(p + 1) * m])
      let regionMask = Array(c.regionMask[p * n..<(p + 1) * n])
      var cost = [Double](repeating: 0, count: m * n)
      func unit(_ values: ArraySlice<Float>) -> [Double] {
        let norm = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return values.map { Double($0) / norm }
      }
      for i in 0..<m where wordMask[i] > 0 {
        let w = unit(c.wordStates[(p * m + i) * d..<(p * m + i + 1) * d])
        for j in 0..<n where regionMask[j] > 0 {
          let r = unit(c.regionStates[(p * n + j) * d..<(p * n + j + 1) * d])
          cost[i * n + j] = 1 - zip(w, r).reduce(0) { $0 + $1.0 * $1.1 }
        }
      }
      let plan = WordRegionAlignment.plan(cost: cost, words: wordMask, regions: regionMask)
      for (k, (a, e)) in zip(plan, c.plans[p * n * m..<(p + 1) * n * m]).enumerated() {
        #expect(abs(a - e) < 1e-7, "pair \(p) plan[\(k)]: \(a), expected \(e)")
      }
      let (wordCount, regionCount) = (
        Double(wordMask.filter { $0 > 0 }.count), Double(regionMask.filter { $0 > 0 }.count)
      )
      for i in 0..<m {
        let sent = (0..<n).reduce(0.0) { $0 + plan[$1 * m + i] }
        #expect(abs(sent - (wordMask[i] > 0 ? 1 / wordCount : 0)) < 1e-9, "pair \(p) word \(i)")
      }
      for j in 0..<n {
        let received = (0..<m).reduce(0.0) { $0 + plan[j * m + $1] }
        #expect(
          abs(received - (regionMask[j] > 0 ? 1 / regionCount : 0)) < 2e-3, "pair \(p) region \(j)")
      }
      #expect(abs(plan.reduce(0, +) - 1) < 1e-9, "pair \(p): the plan carries unit mass")
    }
  }

  @Test func crossModalContrastiveMatchesReference() throws {
    let c = try ObjectiveIIFixture.load().cmcl
    let anchors = try Tensor(shape: [c.anchors, c.dimension], values: c.anchorValues)
      .requiringGrad()
    let candidates = try Tensor(shape: [c.candidates, c.dimension], values: c.candidateValues)
      .requiringGrad()
    let temperature = Tensor(scalar: c.temperature).requiringGrad()
    let loss = try CrossModalContrastive.loss(
      anchors: anchors, candidates: candidates, positives: c.positives, temperature: temperature)
    try loss.backward()
    expectClose(try loss.item(), c.loss, relative: 1e-5, "cmcl loss")
    expectClose(anchors.grad!.scalars, c.gradAnchors, relative: 1e-4, ofLargest: 1e-7, "d/danchors")
    expectClose(
      candidates.grad!.scalars, c.gradCandidates, relative: 1e-4, ofLargest: 1e-7, "d/dcandidates")
    expectClose(
      temperature.grad!.scalars, [c.gradTemperature], relative: 1e-4, ofLargest: 1e-7,
      "d/dtemperature")
    #expect(throws: TrainingError.self) {
      try CrossModalContrastive.loss(
        anchors: anchors, candidates: candidates, positives: [[0], [], [1]],
        temperature: temperature)
    }
  }

  @Test func captioningMatchesReference() throws {
    let c = try ObjectiveIIFixture.load().prefixlm
    let next = CaptionModeling.nextTokens(ids: c.ids, lengths: c.lengths, length: c.length)
    #expect(next.positions == c.positions && next.targets == c.targets)
    let logits = try Tensor(shape: [c.positions.count, c.vocabulary], values: c.logits)
      .requiringGrad()
    let loss = try CaptionModeling.loss(logits: logits, targets: next.targets)
    try loss.backward()
    expectClose(try loss.item(), c.loss, relative: 1e-5, "prefixlm loss")
    expectClose(logits.grad!.scalars, c.gradLogits, relative: 1e-4, ofLargest: 1e-7, "d/dlogits")
  }
}
