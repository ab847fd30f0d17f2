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

  /// The caption words of pair `index` as the model sees them: words cut by the text length
  /// are left out, and for Oscar, whose caption shares the length with the tags, those the
  /// pair's truncation cuts. Real captions split into WordPiece pieces are shown as words
  /// (`play ##ing` -> `playing`).
  public func captionWords(of index: Int) -> [String] { captionWordSpans(of: index).map(\.word) }

  /// Each caption word with the positions of its tokens among the caption's tokens (one token
  /// per word for the world's word-level tokenizer).
  func captionWordSpans(of index: Int) -> [(word: String, tokens: Range<Int>)] {
    var spans: [(word: String, tokens: Range<Int>)] = []
    if let world = data.world {
      spans = world.pairs[index].caption.words.enumerated().map { ($1.text, $0..<$0 + 1) }
    } else {
      let tokens = data.tokenizer.tokenize(data.captionText(index))
      spans = WordDisplay.spans(tokens).map { (WordDisplay.join(tokens[$0]), $0) }
    }
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
    return spans.filter { $0.tokens.upperBound <= max(0, kept) }
  }

  /// Replaces the words at `maskedWords` of pair `index`'s caption by [MASK] and returns the
  /// model's top-5 at each, without dropout: what the masked-token screen shows.
  public func predict(pairIndex index: Int, maskedWords: Set<Int>) throws
    -> [MaskedWordPrediction]
  {
    let spans = captionWordSpans(of: index)
    let words = spans.map(\.word)
    let wanted = maskedWords.filter { $0 >= 0 && $0 < words.count }.sorted()
    // Whole words are masked (every piece); the prediction is read at the first piece.
    let maskedTokens = wanted.flatMap { spans[$0].tokens }
    let readAt = wanted.map { spans[$0].tokens.lowerBound + 1 }
    guard !wanted.isEmpty else { return [] }
    let vocabulary = data.vocabulary
    return try noGrad {
      let context = ForwardContext.inference()
      let logits: Tensor
      switch model {
      case .albef(let model):
        var ids = data.captionSequences([index])[0]
        for token in maskedTokens { ids[token + 1] = vocabulary.maskID }
        let text = try TextInputs(sequences: [ids], padID: vocabulary.padID)
        let image = try model.encodeImage(data.imageInputs([index]), context: context)
        let hidden = try model.encodeText(text.ids, mask: text.mask, context: context)
        let fused = try model.fuse(
          text: hidden, textMask: text.mask, image: image.tokens, imageMask: image.mask,
          context: context)
        logits = try model.maskedTokenLogits(fused, positions: readAt)
      case .oscar(let model):
        var random = RandomGenerator(seed: 0)
        let batch = try data.oscarBatch(
          [index], pollution: 0, maskProbability: 0, source: [index], random: &random)
        var ids = batch.text.ids.values
        for token in maskedTokens { ids[token + 1] = vocabulary.maskID }
        let hidden = try model(
          ids: IndexTensor(shape: batch.text.ids.shape, values: ids), segments: batch.segments,
          textMask: batch.text.mask, regions: batch.regions, regionMask: batch.regionMask,
          context: context)
        logits = try model.maskedTokenLogits(hidden, positions: readAt)
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
