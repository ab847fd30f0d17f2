import NN
import Tensor

/// The captioning loss of a PrefixLM (the survey's PrefixLM, SimVLM's form with the image as the
/// whole prefix): under causal self-attention, position t of `[CLS] w1 … wn [SEP]` predicts
/// token t + 1, so the model learns p(w1 … wn [SEP] | image).
///
/// ```
/// L_prefixlm = mean over b, t < len_b − 1 of CE(logits[b, t], ids[b, t + 1])
/// ```
public enum CaptionModeling {
  /// The flat positions b·T + t that predict a next token and that token, for ids (B·T) with
  /// real lengths `lengths` and padded length `length`.
  public static func nextTokens(ids: [Int], lengths: [Int], length: Int) -> (
    positions: [Int], targets: [Int]
  ) {
    var positions: [Int] = []
    var targets: [Int] = []
    for (b, count) in lengths.enumerated() where count > 1 {
      for t in 0..<(count - 1) {
        positions.append(b * length + t)
        targets.append(ids[b * length + t + 1])
      }
    }
    return (positions, targets)
  }

  /// logits (N, V) at the positions of `nextTokens`, targets (N).
  public static func loss(logits: Tensor, targets: [Int]) throws -> Tensor {
    try Tensor.crossEntropy(logits: logits, targets: IndexTensor(targets))
  }
}

extension CaptionModeling {
  /// Captioning on ALBEF: causal text and fusion layers over the image tokens, each position
  /// predicting the next token through the MLM head's decoder.
  static func loss(
    model: ALBEFModel, batch: ALBEFBatch, imageTokens: Tensor, imageMask: Tensor?,
    context: ForwardContext
  ) throws -> Tensor {
    let hidden = try model.encodeText(
      batch.text.ids, mask: batch.text.mask, causal: true, context: context)
    let fused = try model.fuse(
      text: hidden, textMask: batch.text.mask, image: imageTokens, imageMask: imageMask,
      causal: true, context: context)
    let next = nextTokens(
      ids: batch.text.ids.values, lengths: batch.text.lengths, length: batch.text.length)
    return try loss(
      logits: model.maskedTokenLogits(fused, positions: next.positions), targets: next.targets)
  }
}
