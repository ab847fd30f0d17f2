import NN
import Tensor

/// The model's guesses for one masked caption word.
public struct MaskedWordPrediction: Sendable, Equatable {
  /// Index of the word in the caption.
  public var word: Int
  public var truth: String
  /// Top-5 tokens with probabilities, best first.
  public var candidates: [(token: String, probability: Float)]

  public static func == (a: MaskedWordPrediction, b: MaskedWordPrediction) -> Bool {
    a.word == b.word && a.truth == b.truth
      && a.candidates.map(\.token) == b.candidates.map(\.token)
      && a.candidates.map(\.probability) == b.candidates.map(\.probability)
  }
}

/// The masked-token screen's probe: mask chosen words of a held-out caption and read the
/// model's top-5 at each, without dropout.
public struct MaskedWordProbe {
  let model: TrainedModel
  let data: PretrainingData
  let configuration: PretrainingConfiguration

  init(model: TrainedModel, data: PretrainingData, configuration: PretrainingConfiguration) {
    (self.model, self.data, self.configuration) = (model, data, configuration)
  }

  /// The caption words of pair `index` as the model sees them (one token per word with the
  /// scene world's word-level tokenizer; words cut by the text length are left out, and for
  /// Oscar, whose caption shares the length with the tags, those the pair's truncation cuts).
  public func captionWords(of index: Int) -> [String] {
    if data.tokenizer.mode == .wordPiece {
      let tokens = captionTokens(of: index).map { data.vocabulary.tokens[$0] }
      return WordDisplay.words(tokens)
    }
    let words = data.world.pairs[index].caption.words.map(\.text)
    let kept: Int
    switch model {
    case .albef:
      kept = configuration.model.maximumTextLength - 2
    case .oscar:
      let tags = data.tagText(index)
      let encoded = data.tokenizer.encodePair(
        data.captionText(index), tags.isEmpty ? nil : tags,
        maximumLength: configuration.model.maximumTextLength)
      kept = encoded.segments.filter { $0 == 0 }.count - 2  // [CLS] caption [SEP]
    }
    return Array(words.prefix(max(0, kept)))
  }

  /// The caption's token ids as the model reads them, without [CLS] and [SEP].
  func captionTokens(of index: Int) -> [Int] {
    var tags: String?
    if case .oscar = model, !data.tagText(index).isEmpty { tags = data.tagText(index) }
    let encoded = data.tokenizer.encodePair(
      data.captionText(index), tags,
      maximumLength: configuration.model.maximumTextLength)
    let caption = encoded.segments.filter { $0 == 0 }.count - 2
    return Array(encoded.ids[1..<1 + max(0, caption)])
  }

  /// The token positions (after [CLS]) of each caption word: one each with a word vocabulary,
  /// a word's pieces with WordPiece.
  func wordPositions(of index: Int, words: Int) -> [Range<Int>] {
    guard data.tokenizer.mode == .wordPiece else { return (0..<words).map { $0 + 1..<$0 + 2 } }
    let tokens = captionTokens(of: index).map { data.vocabulary.tokens[$0] }
    return WordDisplay.spans(tokens).map { $0.lowerBound + 1..<$0.upperBound + 1 }
  }

  /// Replaces the words at `maskedWords` of pair `index`'s caption by [MASK] and returns the
  /// model's top-5 at each, without dropout: what the masked-token screen shows.
  public func predict(pairIndex index: Int, maskedWords: Set<Int>) throws
    -> [MaskedWordPrediction]
  {
    let words = captionWords(of: index)
    let wanted = maskedWords.filter { $0 >= 0 && $0 < words.count }.sorted()
    guard !wanted.isEmpty else { return [] }
    let vocabulary = data.vocabulary
    // Every piece of a masked word is masked; a word's top-5 is read at its first piece.
    let spans = wordPositions(of: index, words: words.count)
    let maskedPositions = wanted.flatMap { spans[$0] }
    let firstPieces = wanted.map { spans[$0].lowerBound }
    return try noGrad {
      let context = ForwardContext.inference()
      let logits: Tensor
      switch model {
      case .albef(let model):
        var ids = data.captionSequences([index])[0]
        for position in maskedPositions { ids[position] = vocabulary.maskID }
        let text = try TextInputs(sequences: [ids], padID: vocabulary.padID)
        let image = try model.encodeImage(data.imageInputs([index]), context: context)
        let hidden = try model.encodeText(text.ids, mask: text.mask, context: context)
        let fused = try model.fuse(
          text: hidden, textMask: text.mask, image: image.tokens, imageMask: image.mask,
          context: context)
        logits = try model.maskedTokenLogits(fused, positions: firstPieces)
      case .oscar(let model):
        var random = RandomGenerator(seed: 0)
        let batch = try data.oscarBatch(
          [index], pollution: 0, maskProbability: 0, source: [index], random: &random)
        var ids = batch.text.ids.values
        for position in maskedPositions { ids[position] = vocabulary.maskID }
        let hidden = try model(
          ids: IndexTensor(shape: batch.text.ids.shape, values: ids), segments: batch.segments,
          textMask: batch.text.mask, regions: batch.regions, regionMask: batch.regionMask,
          context: context)
        logits = try model.maskedTokenLogits(hidden, positions: firstPieces)
      }
      let values = logits.scalars
      let classes = logits.shape[1]
      return wanted.enumerated().map { row, word in
        let top = TopK.softmaxTop(values[row * classes..<(row + 1) * classes], k: 5)
        return MaskedWordPrediction(
          word: word, truth: words[word],
          candidates: top.map {
            ($0.index < vocabulary.count ? vocabulary.tokens[$0.index] : "[\($0.index)]", $0.probability)
          })
      }
    }
  }
}
