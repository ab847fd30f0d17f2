import Foundation
import Testing

@testable import NN
@testable import Tensor
@testable import VLP

@Suite struct CaptionRewritingTests {
  static let caption = Caption(
    words: [
      CaptionWord("an", .function), CaptionWord("orange", .colour, objects: [0]),
      CaptionWord("oval", .object, objects: [0]), CaptionWord("left", .relation),
      CaptionWord("of", .relation), CaptionWord("two", .count, objects: [1, 2]),
      CaptionWord("blue", .colour, objects: [1, 2]),
      CaptionWord("boxes", .object, objects: [1, 2]),
    ],
    statedRelation: SceneRelation(subject: 0, relation: .leftOf, object: 1), noise: .none)

  /// Paraphrases keep every fact: same colours, same classes (another synonym, same number),
  /// the same relation in other words.
  @Test func paraphrasesChangeWordsNotFacts() throws {
    var random = RandomGenerator(seed: 1)
    for _ in 0..<20 {
      let text = try #require(CaptionRewriting.paraphrase(Self.caption, random: &random))
      #expect(text != Self.caption.text)
      #expect(text.hasPrefix("an orange ellipse to the left of two blue "))
      #expect(["squares", "blocks"].contains(String(text.split(separator: " ").last!)))
    }
  }

  /// A hard negative differs in exactly one fact, and articles still agree.
  @Test func hardNegativesSwapOneFact() throws {
    var random = RandomGenerator(seed: 2)
    var swaps: Set<CaptionRewriting.Swap> = []
    for _ in 0..<60 {
      let (text, swap) = try #require(CaptionRewriting.hardNegative(Self.caption, random: &random))
      swaps.insert(swap)
      let words = text.split(separator: " ").map(String.init)
      #expect(text != Self.caption.text)
      #expect(words[0] == CaptionGrammar.article(before: words[1]))
      switch swap {
      case .colour:
        #expect(words.count == 8 && (words[1] != "orange") != (words[6] != "blue"))
      case .object:
        #expect(words.count == 8 && (words[2] != "oval") != (words[7] != "boxes"))
        #expect(words[7].hasSuffix("s"), "a plural stays plural")
      case .relation:
        let phrase = words[3..<(words.count - 3)].joined(separator: " ")
        #expect(!SpatialRelation.leftOf.phrases.contains(phrase))
        #expect(SpatialRelation.allCases.contains { $0.phrases.contains(phrase) })
      }
    }
    #expect(swaps == Set(CaptionRewriting.Swap.allCases))
  }

  /// The batch's rewrites: each image gets positives and a negative; retrieved captions come
  /// from other training scenes with the same objects.
  @Test func batchRewritesBelongToTheirImages() throws {
    let data = try PretrainingData(
      configuration: PretrainerFixtures.configuration(.albef, pairs: 600))
    let indices = Array(data.trainIndices.prefix(16))
    var random = RandomGenerator(seed: 3)
    let rewrites = try data.contrastiveRewrites(indices, random: &random)
    #expect(
      rewrites.owners.count == rewrites.texts.count
        && rewrites.text.batchSize == rewrites.texts.count)
    for row in indices.indices {
      let own = rewrites.owners.indices.filter { rewrites.owners[$0] == row }
      #expect(own.contains { !rewrites.isPositive[$0] }, "row \(row) has a hard negative")
      #expect(own.contains { rewrites.isPositive[$0] }, "row \(row) has a positive")
    }
    let retrievedAny = rewrites.owners.indices.contains { k in
      let scene = data.world.pairs[indices[rewrites.owners[k]]].scene
      return data.trainIndices.contains {
        $0 != indices[rewrites.owners[k]] && data.captionText($0) == rewrites.texts[k]
          && SceneObjectIndex.key(data.world.pairs[$0].scene) == SceneObjectIndex.key(scene)
      }
    }
    #expect(retrievedAny)
  }

  /// Captioning sessions decode greedily; others say they cannot. A causal model's prediction at
  /// a position never depends on later tokens.
  @Test func generatedCaptionsComeFromTheCausalHead() throws {
    var c = PretrainerFixtures.configuration(.albef, pairs: 300)
    c.model.imageInput = .regions
    #expect(try Pretrainer(configuration: c).generateCaption(pairIndex: 0) == nil)
    c.objectives.prefixLM = 1
    let trainer = try Pretrainer(configuration: c)
    for _ in 0..<3 { try trainer.trainStep() }
    let words = try #require(try trainer.generateCaption(pairIndex: 0, maximumLength: 6))
    #expect(words.count <= 6)
    let vocabulary = trainer.data.vocabulary
    #expect(
      words.allSatisfy { vocabulary.contains($0) && !["[CLS]", "[PAD]", "[MASK]"].contains($0) })
    #expect(throws: TrainingError.self) { try trainer.generateCaption(pairIndex: -1) }

    let model = try #require(trainer.albefModel)
    let context = ForwardContext.inference()
    let image = try model.encodeImage(trainer.data.imageInputs([0, 0]), context: context)
    let ids = try IndexTensor(shape: [2, 4], values: [2, 10, 11, 12, 2, 10, 11, 13])
    let mask = Tensor.ones([2, 4])
    let hidden = try model.encodeText(ids, mask: mask, causal: true, context: context)
    let fused = try model.fuse(
      text: hidden, textMask: mask, image: image.tokens, imageMask: image.mask, causal: true,
      context: context
    ).scalars
    let d = c.model.dimension
    // Rows differ only in the last token: the first three positions agree exactly.
    #expect(Array(fused[0..<3 * d]) == Array(fused[4 * d..<7 * d]))
    #expect(Array(fused[3 * d..<4 * d]) != Array(fused[7 * d..<8 * d]))
  }
}
