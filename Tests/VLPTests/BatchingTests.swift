import Testing

@testable import Tensor
@testable import VLP

@Suite struct BatchingTests {
  static let configuration: PretrainingConfiguration = {
    var configuration = PretrainingConfiguration()
    configuration.data.world.pairCount = 600
    return configuration
  }()
  static let data = try! PretrainingData(configuration: configuration)

  @Test func maskingNeverTouchesProtectedPositionsAndFollows801010() {
    var random = RandomGenerator(seed: 3)
    let ids = (0..<20_000).map { $0 % 7 == 0 ? 0 : 5 + $0 % 11 }  // 0 plays [PAD]
    let masked = TokenMasking.mask(
      ids: ids, maskable: { ids[$0] != 0 }, probability: 0.15, maskID: 4, vocabularySize: 40,
      random: &random)
    #expect(masked.positions.allSatisfy { ids[$0] != 0 })
    #expect(masked.targets == masked.positions.map { ids[$0] })
    let maskable = ids.filter { $0 != 0 }.count
    let rate = Double(masked.positions.count) / Double(maskable)
    #expect(abs(rate - 0.15) < 0.01)
    let toMask = masked.positions.filter { masked.ids[$0] == 4 }.count
    let unchanged = masked.positions.filter { masked.ids[$0] == ids[$0] }.count
    let share = Double(toMask) / Double(masked.positions.count)
    #expect(abs(share - 0.8) < 0.03)
    // 10% random (which may hit the original id 1 time in 40) + 10% unchanged.
    let unchangedShare = Double(unchanged) / Double(masked.positions.count)
    #expect(abs(unchangedShare - 0.1025) < 0.025)
  }

  @Test func albefBatchesNeverMaskPadOrCLS() throws {
    var random = RandomGenerator(seed: 1)
    let data = Self.data
    let batch = try data.albefBatch(Array(data.trainIndices.prefix(64)), maskProbability: 0.5, random: &random)
    let ids = batch.text.ids.values
    #expect(!batch.masked.positions.isEmpty, "half the words are masked")
    #expect(batch.masked.positions.allSatisfy {
      ids[$0] != data.vocabulary.padID && ids[$0] != data.vocabulary.classID
    })
    #expect(batch.text.ids.shape[0] == 64)
    #expect(batch.image.values.shape == [64, 16, 48])
  }

  @Test func batchOrderIsAPermutationPerEpochAndStateless() throws {
    let order = try BatchOrder(indices: Array(0..<100), batchSize: 8, seed: 9)
    #expect(order.batchesPerEpoch == 12)
    let epoch = (0..<12).flatMap { order.batch(at: $0) }
    #expect(Set(epoch).count == 96)
    #expect(order.batch(at: 5) == order.batch(at: 5))
    #expect(order.batch(at: 12) != order.batch(at: 0))
    #expect(throws: DataError.self) { try BatchOrder(indices: [1, 2], batchSize: 8, seed: 1) }
  }

  @Test func oscarPollutionFollowsTheOfficialRules() throws {
    let data = Self.data
    var random = RandomGenerator(seed: 5)
    let indices = Array(data.trainIndices.prefix(400))
    let batch = try data.oscarBatch(
      indices, pollution: 0.5, maskProbability: 0.15, source: data.trainIndices, random: &random)
    let polluted = batch.pollution.filter { $0 != .none }.count
    #expect(abs(Double(polluted) / 400 - 0.5) < 0.08)
    for (row, kind) in batch.pollution.enumerated() {
      let hasTags = !data.tagText(indices[row]).isEmpty
      if kind == .foreignTextA { #expect(!hasTags) }
      if kind == .foreignTags || kind == .foreignCaption { #expect(hasTags) }
    }
    // Segments: 0 up to and including the first [SEP], 1 after it.
    let length = batch.text.length
    let ids = batch.text.ids.values
    let segments = batch.segments.values
    let sep = data.vocabulary.separatorID
    for row in 0..<indices.count {
      let firstSeparator = (0..<length).first { ids[row * length + $0] == sep }!
      #expect(segments[row * length + firstSeparator] == 0)
      if firstSeparator + 1 < batch.text.lengths[row] {
        #expect(segments[row * length + firstSeparator + 1] == 1)
      }
    }
    // Only words and tags are masked.
    #expect(!batch.masked.positions.isEmpty)
    #expect(batch.masked.positions.allSatisfy { !data.vocabulary.specialIDs.contains(ids[$0]) })
  }

  /// Oscar+'s caption pollution (texta_false_prob): of the polluted half, the caption share is
  /// replaced with its own class 2, the rest pollutes the tags with class 1; matched rows keep
  /// their own caption and tags.
  @Test func oscarPlusCaptionPollutionHasItsOwnClass() throws {
    let data = Self.data
    var random = RandomGenerator(seed: 8)
    let indices = Array(data.trainIndices.prefix(600))
    let batch = try data.oscarBatch(
      indices, pollution: 0.5, captionPollution: 0.25, maskProbability: 0,
      source: data.trainIndices, random: &random)
    #expect(batch.pollutionClasses == 3)
    let captionRows = batch.pollution.filter { $0 == .foreignTextA }.count
    let tagRows = batch.pollution.filter { $0 == .foreignTags || $0 == .foreignCaption }.count
    #expect(abs(Double(captionRows) / 600 - 0.25) < 0.06)
    #expect(abs(Double(tagRows) / 600 - 0.25) < 0.06)
    for (kind, label) in zip(batch.pollution, batch.labels) {
      switch kind {
      case .none: #expect(label == 0)
      case .foreignTags, .foreignCaption: #expect(label == 1)
      case .foreignTextA: #expect(label == 2)
      }
    }
    // A matched row is exactly its own caption and tags.
    let length = batch.text.length
    for (row, index) in indices.enumerated() where batch.pollution[row] == .none {
      let expected = data.tokenizer.encodePair(
        data.captionText(index), data.tagText(index).isEmpty ? nil : data.tagText(index),
        maximumLength: data.model.maximumTextLength
      ).ids
      let ids = Array(batch.text.ids.values[row * length..<row * length + expected.count])
      #expect(ids == expected)
    }
    // Vanilla Oscar (no caption pollution) keeps the 2-way labels.
    var vanillaRandom = RandomGenerator(seed: 8)
    let vanilla = try data.oscarBatch(
      indices, pollution: 0.5, maskProbability: 0, source: data.trainIndices, random: &vanillaRandom)
    #expect(vanilla.pollutionClasses == 2)
    #expect(Set(vanilla.labels) == [0, 1])
  }
}
