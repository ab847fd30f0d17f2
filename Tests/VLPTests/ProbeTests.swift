import Foundation
import Testing

@testable import NN
@testable import Tensor
@testable import VLP

/// What the masked-token and projection screens read: the model's top-5 at words the user masks,
/// and labelled token features.
@Suite struct ProbeTests {
  static func trainer(_ family: ModelFamily, regions: Bool = false) throws -> Pretrainer {
    var c = PretrainerFixtures.configuration(family)
    if regions { c.model.imageInput = .regions }
    let trainer = try Pretrainer(configuration: c)
    for _ in 0..<3 { try trainer.trainStep() }
    return trainer
  }

  @Test(arguments: [ModelFamily.albef, .oscar])
  func maskedWordPredictionsAreRankedAndFollowTheMask(_ family: ModelFamily) throws {
    let trainer = try Self.trainer(family)
    let index = trainer.retrievalIndices[0]
    let words = trainer.captionWords(of: index)
    #expect(words.count >= 3)
    #expect(try trainer.predictMaskedWords(pairIndex: index, maskedWords: []).isEmpty)

    // Out-of-range words are ignored; the rest come back in caption order.
    let predictions = try trainer.predictMaskedWords(
      pairIndex: index, maskedWords: [2, 0, words.count + 5, -1])
    #expect(predictions.map(\.word) == [0, 2])
    for prediction in predictions {
      #expect(prediction.truth == words[prediction.word])
      #expect(prediction.candidates.count == 5)
      let probabilities = prediction.candidates.map(\.probability)
      #expect(zip(probabilities, probabilities.dropFirst()).allSatisfy { $0 >= $1 })
      #expect(probabilities.allSatisfy { $0 > 0 && $0 <= 1 })
      #expect(probabilities.reduce(0, +) <= 1 + 1e-5)
      #expect(Set(prediction.candidates.map(\.token)).count == 5)
    }
    // No dropout, no randomness: the same request gives the same answer.
    #expect(try trainer.predictMaskedWords(pairIndex: index, maskedWords: [0, 2]) == predictions)
    // Masking a second word changes what the model sees, so the first word's guess changes.
    let alone = try trainer.predictMaskedWords(pairIndex: index, maskedWords: [0])
    #expect(alone[0].candidates.map(\.probability) != predictions[0].candidates.map(\.probability))
  }

  @Test(arguments: [(ModelFamily.albef, false), (.albef, true), (.oscar, false)])
  func tokenFeaturesAreLabelledByClassAndModality(_ family: ModelFamily, _ regions: Bool) throws {
    let trainer = try Self.trainer(family, regions: regions)
    let indices = Array(trainer.retrievalIndices.prefix(12))
    let set = try trainer.tokenFeatures(pairs: indices)
    let c = trainer.configuration.model
    #expect(set.dimension == (family == .albef ? c.embeddingDimension : c.dimension))
    #expect(set.values.count == set.labels.count * set.dimension)
    #expect(set.labels.contains { $0.modality == .image })
    #expect(set.labels.contains { $0.modality == .text })
    for label in set.labels {
      let scene = trainer.data.world.pairs[label.pairIndex].scene
      // Every point names a class that is really in its scene.
      #expect(scene.objects.contains { $0.fineClass == label.fineClass })
      #expect(indices.contains(label.pairIndex))
    }
    #expect(set.values.allSatisfy { $0.isFinite })
    if family == .albef {
      // ALBEF's token features live in the unit sphere that ITC aligns.
      for row in 0..<set.labels.count {
        let v = set.values[row * set.dimension..<(row + 1) * set.dimension]
        #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
      }
    }
  }

  /// Oscar's caption shares the sequence with the tags: the probe offers only the words that
  /// survive the pair's truncation, and every one of them can be masked.
  @Test func oscarProbeOffersOnlyTheWordsTheSequenceKeeps() throws {
    var c = PretrainerFixtures.configuration(.oscar)
    c.model.maximumTextLength = 8
    let trainer = try Pretrainer(configuration: c)
    let index = try #require(
      trainer.retrievalIndices.first { trainer.data.world.pairs[$0].caption.words.count > 6 })
    let words = trainer.captionWords(of: index)
    #expect(!words.isEmpty && words.count < trainer.data.world.pairs[index].caption.words.count)
    let predictions = try trainer.predictMaskedWords(
      pairIndex: index, maskedWords: Set(0..<words.count))
    #expect(predictions.map(\.word) == Array(0..<words.count))
  }
}
