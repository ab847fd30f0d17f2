import NN
import Tensor

/// UNIMO's cross-modal contrastive loss (paper, eq. 1): InfoNCE whose numerator sums over every
/// positive of an anchor, so paraphrases and retrieved captions pull towards the image and
/// rewritten hard negatives sit in the denominator with the batch.
///
/// ```
/// S = anchors · candidatesᵀ / τ                         (A, K)
/// L = mean_a −log( Σ_{p ∈ P(a)} exp S[a, p] / Σ_k exp S[a, k] )
/// ```
/// τ is ALBEF's learnable temperature (UNIMO-2 clamps it to [0.001, 0.5] alike); no queue and
/// no momentum, as UNIMO-2's in-batch version.
public enum CrossModalContrastive {
  /// anchors (A, E), candidates (K, E), both L2-normalised; positives[a]: candidate columns
  /// that are positives of anchor a (at least one).
  public static func loss(
    anchors: Tensor, candidates: Tensor, positives: [[Int]], temperature: Tensor
  ) throws -> Tensor {
    let (a, k) = (anchors.shape[0], candidates.shape[0])
    guard positives.count == a, positives.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 < k } })
    else {
      throw TrainingError.invalidRequest(
        "cmcl: every one of the \(a) anchors needs a positive among \(k) candidates")
    }
    var mask = [Float](repeating: 0, count: a * k)
    for (row, columns) in positives.enumerated() {
      for column in columns { mask[row * k + column] = 1 }
    }
    let logits = try Tensor.matmul(anchors, candidates, transposeB: true) / temperature  // (A, K)
    // log Σ_p softmax = log Σ_p exp(log_softmax): exact through the max-shifted log-softmax;
    // the clamp only guards a positive so far below the rest that its probability underflows.
    let positiveMass = try (logits.softmax() * Tensor(shape: [a, k], values: mask)).sum(axis: 1)
    return -positiveMass.clamp(min: 1e-30).log().mean()
  }
}

extension CrossModalContrastive {
  /// CMCL on ALBEF: image → text over the batch captions plus the rewrites (several positives
  /// each), and text → image over the batch, averaged as UNIMO-2's symmetric loss. image, text:
  /// the batch's ITC embeddings (B, E).
  static func loss(
    model: ALBEFModel, batch: ALBEFBatch, rewrites: ContrastiveRewrites, image: Tensor,
    text: Tensor, context: ForwardContext
  ) throws -> Tensor {
    let b = batch.batchSize
    let duplicates = batch.duplicates
    let sameCaption = (0..<b).map { i in (0..<b).filter { duplicates.isDuplicate(i, $0) } }
    var candidates = text
    var positives = sameCaption
    if !rewrites.owners.isEmpty {
      let hidden = try model.encodeText(
        rewrites.text.ids, mask: rewrites.text.mask, context: context)
      candidates = try Tensor.concatenate([text, model.textEmbedding(hidden)], axis: 0)
      for (k, owner) in rewrites.owners.enumerated() where rewrites.isPositive[k] {
        positives[owner].append(b + k)
      }
    }
    let imageToText = try loss(
      anchors: image, candidates: candidates, positives: positives, temperature: model.temperature)
    let textToImage = try loss(
      anchors: text, candidates: image, positives: sameCaption, temperature: model.temperature)
    return try (imageToText + textToImage) * 0.5
  }
}
