import NN
import Tensor

/// The losses of masked vision modelling at the M masked items (docs/objectives.md, "MVM"):
/// UNITER's MRFR, MRC and MRC-kl (model/pretrain.py) and LXMERT's smooth-L1 feature loss.
public enum MaskedVisionModeling {
  /// MRFR and masked patch regression: UNITER's MSE over every element (so also divided by the
  /// feature width), or LXMERT's SmoothL1 (beta 1). prediction, target: (M, F).
  public static func regression(
    prediction: Tensor, target: Tensor, loss: RegressionLoss
  ) throws -> Tensor {
    switch loss {
    case .mse: try Tensor.meanSquaredError(prediction, target.detached())
    case .smoothL1: try Tensor.smoothL1(prediction, target.detached(), beta: 1)
    }
  }

  /// MRC: cross-entropy against the detector's argmax. logits (M, C), labels (M).
  public static func classification(logits: Tensor, labels: [Int]) throws -> Tensor {
    try Tensor.crossEntropy(logits: logits, targets: IndexTensor(labels))
  }

  /// MRC-kl: KL(detector distribution ‖ softmax(logits)). UNITER takes
  /// `kl_div(log_softmax(pred), soft, reduction='none')` and the training loop's `.mean()`, an
  /// element-wise mean: the per-region KL divided by C. logits, distributions: (M, C).
  public static func klClassification(logits: Tensor, distributions: Tensor) throws -> Tensor {
    let classes = Float(Swift.max(1, logits.shape[1]))
    return try Tensor.klDivergence(logits: logits, targetProbabilities: distributions.detached())
      / classes
  }

  /// The MVM losses the session trains for a pass whose encoder gave `hidden` (M, d) at the
  /// masked items, in the order regression (mrfr or mpr), mrc, mrc-kl.
  static func losses(
    heads: MaskedVisionHeads, hidden: Tensor, vision: MaskedVision,
    objectives: ObjectiveConfiguration
  ) throws -> [(objective: Objective, loss: Tensor)] {
    var result: [(objective: Objective, loss: Tensor)] = []
    if objectives.mrfr > 0 || objectives.mpr > 0 {
      let loss = try regression(
        prediction: heads.regression(hidden), target: vision.features,
        loss: objectives.regressionLoss)
      if objectives.mrfr > 0 { result.append((.mrfr, loss)) }
      if objectives.mpr > 0 { result.append((.mpr, loss)) }
    }
    if objectives.mrc > 0 || objectives.mrcKL > 0 {
      let logits = try heads.classification(hidden)
      if objectives.mrc > 0 {
        result.append((.mrc, try classification(logits: logits, labels: vision.labels)))
      }
      if objectives.mrcKL > 0, let distributions = vision.distributions {
        result.append(
          (.mrcKL, try klClassification(logits: logits, distributions: distributions)))
      }
    }
    return result
  }

  /// MVM on ALBEF: the image encoder reads the masked items and the heads predict them from its
  /// output. ALBEF's fusion layers emit text positions only, so no region state ever sees the
  /// caption: on ALBEF, MVM is masked image modelling within the image encoder.
  static func albefPass(
    model: ALBEFModel, heads: MaskedVisionHeads, image: ImageInputs, vision: MaskedVision,
    objectives: ObjectiveConfiguration, context: ForwardContext
  ) throws -> [(objective: Objective, loss: Tensor)] {
    let masked = ImageInputs(values: try heads.masked(image.values, vision), mask: image.mask)
    let (tokens, _) = try model.encodeImage(masked, context: context)  // (B, 1 + N, d)
    let stride = 1 + vision.slots
    let rows = vision.positions.map { ($0 / vision.slots) * stride + 1 + $0 % vision.slots }
    return try losses(
      heads: heads, hidden: tokens.rows(atFlatPositions: rows), vision: vision,
      objectives: objectives)
  }

  /// MVM on Oscar, UNITER's conditional masking: a second pass over the sequence with the
  /// caption and tags unmasked and the chosen regions masked.
  static func oscarPass(
    model: OscarModel, heads: MaskedVisionHeads, batch: OscarBatch, vision: MaskedVision,
    objectives: ObjectiveConfiguration, context: ForwardContext
  ) throws -> [(objective: Objective, loss: Tensor)] {
    let textLength = batch.text.length
    let hidden = try model(
      ids: batch.text.ids, segments: batch.segments, textMask: batch.text.mask,
      regions: heads.masked(batch.regions, vision), regionMask: batch.regionMask,
      context: context)  // (B, T + R, d)
    let stride = textLength + vision.slots
    let rows = vision.positions.map {
      ($0 / vision.slots) * stride + textLength + $0 % vision.slots
    }
    return try losses(
      heads: heads, hidden: hidden.rows(atFlatPositions: rows), vision: vision,
      objectives: objectives)
  }
}
