import Tensor
import Testing

@testable import VLP

@Suite struct HardNegativeTests {
  private func expectDistribution(
    _ row: [Double], allowed: Set<Int>, _ sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(row.allSatisfy { $0.isFinite && $0 >= 0 }, sourceLocation: sourceLocation)
    #expect(Swift.abs(row.reduce(0, +) - 1) < 1e-12, sourceLocation: sourceLocation)
    for (j, w) in row.enumerated() where !allowed.contains(j) {
      #expect(w == 0, sourceLocation: sourceLocation)
    }
  }

  @Test func batchOfOneHasNoNegativesAndNoNaN() throws {
    let weights = ImageTextMatching.negativeWeights(
      similarity: [3], batchSize: 1, excluded: { _, _ in false })
    #expect(weights == [[0]])
    var random = RandomGenerator(seed: 1)
    #expect(ImageTextMatching.sampleIndex(weights[0], random: &random) == nil)
    let features = try Tensor(shape: [1, 4], values: [0.5, 0.5, 0.5, 0.5])
    let image = features.copied().requiringGrad()
    let output = try ImageTextContrastive.loss(
      image: image, text: features, momentumImage: features, momentumText: features,
      imageQueue: Tensor.zeros([0, 4]), textQueue: Tensor.zeros([0, 4]),
      temperature: Tensor(scalar: 0.07), alpha: 0.4)
    try output.loss.backward()
    #expect(try output.loss.item() == 0)
    #expect(image.grad!.scalars.allSatisfy { $0.isFinite })
  }

  @Test func equalSimilaritiesAreUniformOverAllowedColumns() {
    let weights = ImageTextMatching.negativeWeights(
      similarity: [Float](repeating: 2.5, count: 16), batchSize: 4,
      excluded: { i, j in i == 0 && j == 3 })
    expectDistribution(weights[0], allowed: [1, 2])
    #expect(weights[0][1] == 0.5 && weights[0][2] == 0.5)
    for i in 1..<4 {
      expectDistribution(weights[i], allowed: Set((0..<4).filter { $0 != i }))
      #expect(weights[i].filter { $0 > 0 }.allSatisfy { Swift.abs($0 - 1.0 / 3) < 1e-15 })
    }
  }

  @Test func nonFiniteSimilaritiesGiveValidDistributions() {
    let nan = Float.nan
    let inf = Float.infinity
    let similarity: [Float] = [
      nan, nan, 1, 3,  // (diagonal excluded) NaN counts as the lowest finite value, 1
      nan, 5, -inf, nan,  // nothing finite off the diagonal: uniform over 0, 2, 3
      inf, -inf, 0, inf,  // +inf: uniform over the +inf columns 0, 3
      -inf, nan, 4, -inf,  // -inf gets 0, NaN counts as 4
    ]
    let w = ImageTextMatching.negativeWeights(
      similarity: similarity, batchSize: 4, excluded: { _, _ in false })
    expectDistribution(w[0], allowed: [1, 2, 3])
    #expect(Swift.abs(w[0][1] - w[0][2]) < 1e-15 && w[0][3] > w[0][2])
    expectDistribution(w[1], allowed: [0, 2, 3])
    #expect(w[1].allSatisfy { $0 == 0 || Swift.abs($0 - 1.0 / 3) < 1e-15 })
    expectDistribution(w[2], allowed: [0, 3])
    #expect(w[2][0] == 0.5 && w[2][3] == 0.5)
    expectDistribution(w[3], allowed: [1, 2])
    #expect(w[3][1] == 0.5 && w[3][2] == 0.5)
    // Huge finite logits (overflowing exp without the max subtraction) stay finite.
    let big = ImageTextMatching.negativeWeights(
      similarity: [0, 3e38, -3e38, 0], batchSize: 2, excluded: { _, _ in false })
    expectDistribution(big[0], allowed: [1])
  }

  @Test func samplingFollowsWeightsAndNeverPicksExcluded() {
    var random = RandomGenerator(seed: 7)
    let weights: [Double] = [0.1, 0, 0.6, 0, 0.3]
    var counts = [Int](repeating: 0, count: 5)
    let draws = 20000
    for _ in 0..<draws {
      guard let j = ImageTextMatching.sampleIndex(weights, random: &random) else {
        Issue.record("no index drawn")
        return
      }
      counts[j] += 1
    }
    #expect(counts[1] == 0 && counts[3] == 0)
    for (j, w) in weights.enumerated() where w > 0 {
      // Binomial standard deviation at most 0.0035 here: allow about 4 of them.
      #expect(Swift.abs(Double(counts[j]) / Double(draws) - w) < 0.015)
    }
    // From negativeWeights with the diagonal and a duplicate excluded.
    let similarity = (0..<16).map { Float($0 % 5) }
    let rows = ImageTextMatching.negativeWeights(
      similarity: similarity, batchSize: 4, excluded: { i, j in i == 2 && j == 1 })
    for _ in 0..<2000 {
      for (i, row) in rows.enumerated() {
        let j = ImageTextMatching.sampleIndex(row, random: &random)
        #expect(j != nil && j != i && !(i == 2 && j == 1))
      }
    }
  }

  @Test func everyDrawUsesOneRandomNumber() {
    var a = RandomGenerator(seed: 3)
    var b = RandomGenerator(seed: 3)
    _ = ImageTextMatching.sampleIndex([0, 0], random: &a)
    _ = ImageTextMatching.sampleIndex([0.5, 0.5], random: &a)
    _ = b.nextDouble()
    _ = b.nextDouble()
    #expect(a == b)
  }

  /// Another image with the very same caption is no negative: a world of one-object scenes
  /// without size words has identical captions in most batches, and none is ever drawn as a
  /// negative of its twin, from either side.
  @Test func identicalCaptionsAreNeverEachOthersNegatives() throws {
    let (data, indices, batch) = try NegativeSamplingTests.oneObjectBatch(sizeMentionRate: 0)
    let duplicates = batch.duplicates
    let captions = indices.map(data.captionText)
    var twins = 0
    for i in 0..<64 {
      for j in 0..<64 where i != j {
        // Identical captions, or (since scene contents count) scenes that show the same objects.
        #expect(duplicates.isSameImageOrCaption(i, j) == (captions[i] == captions[j]))
        if captions[i] == captions[j] { twins += 1 }
      }
    }
    #expect(twins > 0, "the test world should have identical captions in a batch")
    // Equal similarities: every allowed column is as likely as any other.
    let flat = [Float](repeating: 0, count: 64 * 64)
    for seed in 0..<20 {
      var draw = RandomGenerator(seed: UInt64(seed))
      let negatives = ImageTextMatching.hardNegatives(
        textToImage: flat, imageToText: flat, batchSize: 64, excluded: duplicates.isDuplicate,
        random: &draw)
      #expect(negatives.count == 128)
      #expect(negatives.allSatisfy { captions[$0.text] != captions[$0.image] })
    }
  }
}
