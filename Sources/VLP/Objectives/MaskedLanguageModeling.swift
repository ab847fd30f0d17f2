import NN
import Tensor

/// The masked-language-modelling loss of ALBEF (with momentum distillation) and of Oscar (plain,
/// over caption words and tags alike). Masking itself (15%, 80/10/10) happens in batching; this
/// sees only the masked positions. See docs/objectives.md.
public enum MaskedLanguageModeling {
  static let objective = "MLM"

  /// L = (1 − α) · CE(logits, targets) + α · mean_n(−Σ_v softmax(momentumLogits)_nv ·
  /// log_softmax(logits)_nv), ALBEF's xbert.py. logits, momentumLogits: (N, V) at the N masked
  /// positions; targets: the N original ids. Without momentum logits (Oscar, or ALBEF without
  /// distillation) L is the plain CE whatever α is. N = 0 gives 0 with a zero gradient.
  public static func loss(logits: Tensor, targets: [Int], momentumLogits: Tensor?, alpha: Float)
    throws -> Tensor
  {
    guard logits.rank == 2, logits.shape[1] > 0 else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "logits \(logits.shape) must have shape (N, V): masked positions by vocabulary")
    }
    let (rows, vocabulary) = (logits.shape[0], logits.shape[1])
    guard targets.count == rows else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail:
          "logits \(logits.shape) are for \(rows) masked positions, got \(targets.count) targets")
    }
    if let position = targets.firstIndex(where: { $0 < 0 || $0 >= vocabulary }) {
      throw ObjectiveError.invalidValue(
        objective: objective,
        detail: "target \(targets[position]) at masked position \(position) is outside the "
          + "vocabulary 0..<\(vocabulary)")
    }
    guard alpha >= 0, alpha <= 1 else {
      throw ObjectiveError.invalidConfiguration(
        field: "alpha", reason: "the distillation weight must lie in [0, 1], got \(alpha)")
    }
    // No masked position (possible: ALBEF does not force one): 0, still linked to the logits so
    // that backward runs and gives them a zero gradient.
    if rows == 0 { return logits.sum() * 0 }
    // The ignore index can never match: targets were checked to be valid ids.
    let hard = try Tensor.crossEntropy(
      logits: logits, targets: IndexTensor(targets), ignoreIndex: -1)
    guard let momentumLogits else { return hard }
    guard momentumLogits.shape == logits.shape else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "logits \(logits.shape) and momentumLogits \(momentumLogits.shape) must match")
    }
    let teacher = try noGrad { try momentumLogits.detached().softmax(axis: 1) }
    let distilled = try Tensor.crossEntropy(logits: logits, softTargets: teacher)
    return try hard * (1 - alpha) + distilled * alpha
  }
}

extension MaskedLanguageModeling {
  /// ALBEF's MLM pass: the student fuses the masked caption with the image; the momentum model,
  /// run the same way without dropout on its own image tokens, gives the distillation targets
  /// (when α > 0) and the pseudo-targets the screen shows (when captured).
  struct ALBEFPass {
    var loss: Tensor
    /// (N, V) at the masked positions.
    var logits: Tensor
    var teacherLogits: Tensor?
  }

  static func albefPass(
    model: ALBEFModel, momentumModel: ALBEFModel, batch: ALBEFBatch, imageTokens: Tensor,
    imageMask: Tensor?, momentumImageTokens: Tensor, momentumImageMask: Tensor?, alpha: Float,
    captureTeacher: Bool, context: ForwardContext
  ) throws -> ALBEFPass {
    let maskedHidden = try model.encodeText(
      batch.maskedIDs, mask: batch.text.mask, context: context)
    // The last fusion layer computes the masked positions alone, the only rows the head reads.
    let rows = try MaskedRows(batch.masked.positions, shape: batch.text.mask.shape)
    let fused = try model.fuse(
      text: maskedHidden, textMask: batch.text.mask, image: imageTokens, imageMask: imageMask,
      outputPositions: rows.positions, context: context)
    let logits = try model.maskedTokenLogits(fused, positions: rows.flat)
    var teacherLogits: Tensor?
    if (alpha > 0 || captureTeacher) && !batch.masked.positions.isEmpty {
      teacherLogits = try noGrad {
        let inference = ForwardContext.inference()
        let hidden = try momentumModel.encodeText(
          batch.maskedIDs, mask: batch.text.mask, context: inference)
        let fused = try momentumModel.fuse(
          text: hidden, textMask: batch.text.mask, image: momentumImageTokens,
          imageMask: momentumImageMask, outputPositions: rows.positions, context: inference)
        return try momentumModel.maskedTokenLogits(fused, positions: rows.flat)
      }
    }
    let mlm = try loss(
      logits: logits, targets: batch.masked.targets,
      momentumLogits: alpha > 0 ? teacherLogits : nil, alpha: alpha)
    return ALBEFPass(loss: mlm, logits: logits, teacherLogits: teacherLogits)
  }
}

/// The masked positions of a batch of captions as the rows a fusion encoder's last layer
/// computes alone: each caption's masked positions in order, padded to the most any caption has
/// by repeating its first (position 0 for a caption without any); a padding row is computed and
/// never read. `flat[i]` is where flat masked position i (b·T + t) lands among the (B, Tq) rows.
struct MaskedRows {
  let positions: IndexTensor
  let flat: [Int]

  init(_ masked: [Int], shape: Shape) throws {
    let (batch, length) = (shape[0], shape[1])
    var perCaption = Array(repeating: [Int](), count: batch)
    var slots: [(caption: Int, slot: Int)] = []
    for position in masked {
      let (caption, t) = position.quotientAndRemainder(dividingBy: length)
      slots.append((caption, perCaption[caption].count))
      perCaption[caption].append(t)
    }
    let count = Swift.max(1, perCaption.map(\.count).max() ?? 0)
    positions = try IndexTensor(
      shape: [batch, count],
      values: perCaption.flatMap { $0 + Array(repeating: $0.first ?? 0, count: count - $0.count) })
    flat = slots.map { $0.caption * count + $0.slot }
  }
}
