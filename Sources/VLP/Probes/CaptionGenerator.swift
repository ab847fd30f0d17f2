import NN
import Tensor

/// Greedy captioning by ALBEF's PrefixLM head.
public struct CaptionGenerator {
  let model: ALBEFModel
  let data: PretrainingData

  /// From `[CLS]`, the most likely next token until `[SEP]` or `maximumLength` tokens, as words.
  public func caption(pairIndex: Int, maximumLength: Int = 24) throws -> [String] {
    guard (0..<data.corpus.count).contains(pairIndex) else {
      throw TrainingError.invalidRequest(
        "pair \(pairIndex) is outside the data set's \(data.corpus.count) pairs")
    }
    let vocabulary = data.vocabulary
    // Never emit tokens that are not words; [SEP] ends the caption.
    let banned = vocabulary.specialIDs.subtracting([vocabulary.separatorID])
    return try noGrad {
      let context = ForwardContext.inference()
      let (image, imageMask) = try model.encodeImage(
        data.imageInputs([pairIndex]), context: context)
      var ids = [vocabulary.classID]
      var words: [String] = []
      // Positions beyond the text length have no position embedding.
      while words.count < maximumLength && ids.count < model.configuration.maximumTextLength {
        let input = try IndexTensor(shape: [1, ids.count], values: ids)
        let mask = Tensor.ones([1, ids.count])
        let hidden = try model.encodeText(input, mask: mask, causal: true, context: context)
        let fused = try model.fuse(
          text: hidden, textMask: mask, image: image, imageMask: imageMask, causal: true,
          context: context)
        let logits = try model.maskedTokenLogits(fused, positions: [ids.count - 1]).scalars
        let next = logits.indices.filter { !banned.contains($0) && $0 < vocabulary.count }
          .max { logits[$0] < logits[$1] }!
        if next == vocabulary.separatorID { break }
        ids.append(next)
        words.append(vocabulary.tokens[next])
      }
      return WordDisplay.words(words)  // pieces joined: what the screen shows
    }
  }
}
