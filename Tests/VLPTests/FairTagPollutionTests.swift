import Testing

@testable import Tensor
@testable import VLP

/// `objectives.untaggedPollution` "matched": every variant of a tag study swaps captions at the
/// shared `captionPollutionProbability`, and tag pollution comes on top only where there are tags.
@Suite struct FairTagPollutionTests {
  static func data(_ tags: TagVocabulary) throws -> PretrainingData {
    var configuration = PretrainingConfiguration()
    configuration.model.family = .oscar
    configuration.data.world.pairCount = 600
    configuration.data.tags = tags
    return try PretrainingData(configuration: configuration)
  }

  static func batch(
    _ data: PretrainingData, _ indices: [Int], untagged: UntaggedPollution
  ) throws -> OscarBatch {
    var random = RandomGenerator(seed: 11)
    return try data.oscarBatch(
      indices, pollution: 0.5, captionPollution: 0.25, untagged: untagged, maskProbability: 0.15,
      source: data.trainIndices, random: &random)
  }

  @Test func everyVariantSwapsTheSameCaptionsAndOnlyTaggedOnesPolluteTags() throws {
    let variants = try [TagVocabulary.fine, .coarse, .none].map { try Self.data($0) }
    let indices = Array(variants[0].trainIndices.prefix(500))
    #expect(variants.allSatisfy { $0.trainIndices.prefix(500) == indices[...] })
    let batches = try variants.map { try Self.batch($0, indices, untagged: .matched) }
    let captionRows = batches.map { batch in
      batch.pollution.indices.filter { batch.pollution[$0] == .foreignTextA }
    }
    // The same rows (hence the same count) have their caption swapped in every variant.
    #expect(captionRows[0] == captionRows[1] && captionRows[1] == captionRows[2])
    #expect(abs(Double(captionRows[0].count) / 500 - 0.25) < 0.06)
    for (data, batch) in zip(variants, batches) {
      for (row, kind) in batch.pollution.enumerated()
      where kind == .foreignTags || kind == .foreignCaption {
        #expect(!data.tagText(indices[row]).isEmpty, "tags polluted where there are none")
      }
    }
    let tagRows = batches.map { $0.pollution.filter { $0 == .foreignTags || $0 == .foreignCaption }.count }
    #expect(tagRows[2] == 0)
    #expect(abs(Double(tagRows[0]) / 500 - 0.25) < 0.06 && abs(Double(tagRows[1]) / 500 - 0.25) < 0.06)
    // Without tags the rest is matched; the labels keep Oscar+'s 3-class convention.
    #expect(batches[2].pollution.filter { $0 == .none }.count == 500 - captionRows[2].count)
    #expect(batches.allSatisfy { $0.pollutionClasses == 3 })

    // Oscar's rule (the default) gives the tag-free variant twice the caption swaps: the
    // unfairness the knob removes.
    let oscar = try Self.batch(variants[2], indices, untagged: .caption)
    let oscarCaptions = oscar.pollution.filter { $0 == .foreignTextA }.count
    #expect(abs(Double(oscarCaptions) / 500 - 0.5) < 0.06)
  }

  /// Where every sample has tags the knob changes nothing: the same draws give the same batch,
  /// so sessions with tags train bit-identically either way.
  @Test func withTagsTheBatchIsTheSameEitherWay() throws {
    let data = try Self.data(.fine)
    let indices = Array(data.trainIndices.prefix(300)).filter { !data.tagText($0).isEmpty }
    let oscar = try Self.batch(data, indices, untagged: .caption)
    let matched = try Self.batch(data, indices, untagged: .matched)
    #expect(oscar.pollution == matched.pollution)
    #expect(oscar.maskedIDs.values == matched.maskedIDs.values)
    #expect(oscar.text.ids.values == matched.text.ids.values)
  }

  @Test func theKeyDecodesWithItsDefaultAndRefusesNonsense() throws {
    #expect(ObjectiveConfiguration().untaggedPollution == .caption)
    let fair = try PretrainingConfiguration.decode([
      "model": ["family": "oscar"],
      "objectives": [
        "pollutionProbability": 0.5, "captionPollutionProbability": 0.25,
        "untaggedPollution": "matched",
      ],
    ])
    #expect(fair.objectives.untaggedPollution == .matched)
    let refused: [[String: Any]] = [
      ["untaggedPollution": "tags"],
      // "matched" with no caption share would never pollute a tag-free sample.
      ["untaggedPollution": "matched", "captionPollutionProbability": 0],
    ]
    for objectives in refused {
      do {
        _ = try PretrainingConfiguration.decode(["model": ["family": "oscar"], "objectives": objectives])
        Issue.record("accepted \(objectives)")
      } catch let DataError.invalidConfiguration(field, _) {
        #expect(field == "objectives.untaggedPollution")
      }
    }
  }
}
