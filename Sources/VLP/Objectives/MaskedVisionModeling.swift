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

  /// The weighted MVM losses for a pass whose encoder gave `hidden` (M, d) at the masked items,
  /// named as the metrics log shows them.
  static func losses(
    heads: MaskedVisionHeads, hidden: Tensor, vision: MaskedVision,
    objectives: ObjectiveConfiguration
  ) throws -> [(name: String, weight: Float, loss: Tensor)] {
    var result: [(name: String, weight: Float, loss: Tensor)] = []
    if objectives.mrfr > 0 || objectives.mpr > 0 {
      let loss = try regression(
        prediction: heads.regression(hidden), target: vision.features,
        loss: objectives.regressionLoss)
      if objectives.mrfr > 0 { result.append(("mrfr", objectives.mrfr, loss)) }
      if objectives.mpr > 0 { result.append(("mpr", objectives.mpr, loss)) }
    }
    if objectives.mrc > 0 || objectives.mrcKL > 0 {
      let logits = try heads.classification(hidden)
      if objectives.mrc > 0 {
        result.append(
          ("mrc", objectives.mrc, try classification(logits: logits, labels: vision.labels)))
      }
      if objectives.mrcKL > 0, let distributions = vision.distributions {
        result.append(
          (
            "mrc-kl", objectives.mrcKL,
            try klClassification(logits: logits, distributions: distributions)
          ))
      }
    }
    return result
  }
}
