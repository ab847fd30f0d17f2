import Foundation
import Tensor
import Testing

@testable import VLP

/// `objectives.itmNegatives` and the scene-content duplicates of the scene world: which rows
/// ITM may draw as a pair's negative, and with what probability.
@Suite struct NegativeSamplingTests {
  /// 64 training pairs of a clean world of one-object scenes (400 pairs): identical captions
  /// and same-content scenes in one batch.
  static func oneObjectBatch(sizeMentionRate: Double = 0.5) throws
    -> (data: PretrainingData, indices: [Int], batch: ALBEFBatch)
  {
    var c = PretrainingConfiguration()
    c.data.world.pairCount = 400
    c.data.world.maximumObjects = 1
    c.data.world.sizeMentionRate = sizeMentionRate
    c.data.world.noisyCaptionRate = 0
    let data = try PretrainingData(configuration: c)
    var random = RandomGenerator(seed: 4)
    let indices = Array(data.trainIndices.prefix(64))
    return (data, indices, try data.albefBatch(indices, maskProbability: 0.15, random: &random))
  }

  @Test func randomIsUniformAndMixedIsTheMeanOverAllowedColumns() {
    let similarity: [Float] = [0, 9, 1, 2, 3, 0, 5, 1, 7, 1, 0, 4, 2, 2, 8, 0]
    let excluded: (Int, Int) -> Bool = { i, j in i == 0 && j == 2 }
    let hard = ImageTextMatching.negativeWeights(
      similarity: similarity, batchSize: 4, excluded: excluded, sampling: .hard)
    let random = ImageTextMatching.negativeWeights(
      similarity: similarity, batchSize: 4, excluded: excluded, sampling: .random)
    let mixed = ImageTextMatching.negativeWeights(
      similarity: similarity, batchSize: 4, excluded: excluded, sampling: .mixed)
    #expect(random[0] == [0, 0.5, 0, 0.5])
    for i in 1..<4 {
      #expect(random[i].enumerated().allSatisfy { $0.offset == i ? $0.element == 0 : $0.element == 1.0 / 3 })
    }
    for i in 0..<4 {
      for j in 0..<4 { #expect(Swift.abs(mixed[i][j] - (hard[i][j] + random[i][j]) / 2) < 1e-15) }
      #expect(Swift.abs(mixed[i].reduce(0, +) - 1) < 1e-12)
    }
    // Hard follows softmax(sim): row 0 over columns 1 and 3 is e^9 : e^2.
    #expect(Swift.abs(hard[0][1] - exp(9) / (exp(9) + exp(2))) < 1e-12)
  }

  @Test func drawnNegativesCarryTheirProbability() {
    let similarity = (0..<36).map { Float($0 % 7) }
    for sampling in NegativeSampling.allCases {
      var random = RandomGenerator(seed: 9)
      let negatives = ImageTextMatching.negatives(
        textToImage: similarity, imageToText: similarity, batchSize: 6, excluded: { _, _ in false },
        sampling: sampling, random: &random)
      let weights = ImageTextMatching.negativeWeights(
        similarity: similarity, batchSize: 6, excluded: { _, _ in false }, sampling: sampling)
      #expect(negatives.count == 12)
      #expect(negatives.prefix(6).allSatisfy { $0.imageForText })
      for negative in negatives {
        #expect(negative.text != negative.image)
        let row = negative.imageForText ? negative.text : negative.image
        let column = negative.imageForText ? negative.image : negative.text
        #expect(negative.probability == weights[row][column])
      }
    }
  }

  @Test func sceneDifferenceCountsObjectsInOneSceneOnly() {
    func scene(_ objects: [(Int, Int)]) -> SceneContent {
      SceneContent(
        SceneGraph(
          objects: objects.enumerated().map { index, object in
            SceneObject(
              fineClass: object.0, colour: object.1, size: .small,
              box: BoundingBox(
                x1: Float(index) * 0.2, y1: 0, x2: Float(index) * 0.2 + 0.1, y2: 0.1))
          }))
    }
    let redCircleBlueBox = scene([(0, 0), (4, 5)])
    #expect(redCircleBlueBox == scene([(4, 5), (0, 0)]), "order and place do not matter")
    #expect(redCircleBlueBox.difference(from: scene([(4, 5), (0, 0)])) == 0)
    #expect(redCircleBlueBox.difference(from: scene([(0, 0)])) == 1)
    #expect(redCircleBlueBox.difference(from: scene([(0, 0), (4, 6)])) == 2)
    #expect(redCircleBlueBox.difference(from: scene([(0, 0), (0, 0), (4, 5)])) == 1)
    #expect(scene([(1, 1)]).difference(from: scene([(2, 2), (3, 3)])) == 3)
  }

  /// On the world, rows whose scenes show the same objects are duplicates (each one's caption
  /// describes the other), and none is ever drawn, whatever the sampling; the audit counts the
  /// probability the old rule put on them.
  @Test func sameContentScenesAreNeverDrawnAndTheAuditCountsThem() throws {
    let (data, indices, batch) = try Self.oneObjectBatch()
    let duplicates = batch.duplicates
    let contents = indices.map { SceneContent(data.world.pairs[$0].scene) }
    var sameContent = 0
    for i in 0..<64 {
      for j in 0..<64 where i != j {
        #expect(duplicates.isSameSceneContent(i, j) == (contents[i] == contents[j]))
        if contents[i] == contents[j] && !duplicates.isSameImageOrCaption(i, j) { sameContent += 1 }
      }
    }
    #expect(sameContent > 0, "one-object scenes with captions that differ in words only")
    let flat = [Float](repeating: 0, count: 64 * 64)
    for sampling in NegativeSampling.allCases {
      var draw = RandomGenerator(seed: 5)
      let negatives = ImageTextMatching.negatives(
        textToImage: flat, imageToText: flat, batchSize: 64, excluded: duplicates.isDuplicate,
        sampling: sampling, random: &draw)
      #expect(negatives.allSatisfy { contents[$0.text] != contents[$0.image] })
      let audit = try #require(
        NegativeAudit(
          negatives, textToImage: flat, imageToText: flat, batchSize: 64, duplicates: duplicates,
          sampling: sampling))
      #expect(audit.draws == 128 && audit.differences[0] == 0)
      // Equal similarities: the old rule's mass on same-content rows is their share of the
      // columns it allowed.
      var expected = 0.0
      for row in 0..<64 {
        let allowed = (0..<64).filter { $0 != row && !duplicates.isSameImageOrCaption(row, $0) }
        let same = allowed.filter { duplicates.isSameSceneContent(row, $0) }
        expected += 2 * Double(same.count) / Double(allowed.count)
      }
      #expect(Swift.abs(audit.sameContentMass - expected) < 1e-9)
      #expect(audit.rowsWithSameContent > 0)
    }
  }

  @Test func theKeyIsStrictAndHardByDefault() throws {
    #expect(ObjectiveConfiguration().itmNegatives == .hard)
    let mixed = try PretrainingConfiguration.decode(["objectives": ["itmNegatives": "mixed"]])
    #expect(mixed.objectives.itmNegatives == .mixed)
    do {
      _ = try PretrainingConfiguration.decode(["objectives": ["itmNegatives": "hardest"]])
      Issue.record("accepted itmNegatives \"hardest\"")
    } catch let DataError.invalidConfiguration(field, reason) {
      #expect(field == "objectives.itmNegatives")
      #expect(reason.contains("hard") && reason.contains("random") && reason.contains("mixed"), "\(reason)")
    }
  }

  /// A captured batch carries each pair's drawn negatives: another pair, never a duplicate.
  @Test func pseudoTargetsCarryTheSampledNegatives() throws {
    var c = PretrainerFixtures.configuration(.albef, pairs: 200, batch: 8, queue: 16)
    c.objectives.itmNegatives = .mixed
    let trainer = try Pretrainer(configuration: c)
    let report = try trainer.trainStep(capturePseudoTargets: true)
    let targets = try #require(report.pseudoTargets)
    #expect(targets.matchingNegatives.map(\.pairIndex) == targets.pairIndices)
    let audit = try #require(report.negativeAudit)
    #expect(audit.draws == 16 && audit.differences[0] == 0)
    for row in targets.matchingNegatives {
      for drawn in [row.image, row.text] {
        let candidate = try #require(drawn)
        #expect(candidate.id != row.pairIndex && targets.pairIndices.contains(candidate.id))
        #expect(candidate.probability > 0 && candidate.probability <= 1)
        #expect(
          SceneContent(trainer.data.world.pairs[candidate.id].scene)
            != SceneContent(trainer.data.world.pairs[row.pairIndex].scene))
      }
    }
  }
}
