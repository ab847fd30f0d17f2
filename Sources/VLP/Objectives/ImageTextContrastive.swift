import Tensor

/// What one ITC evaluation gives back: the loss for backward, and detached logits for the UI's
/// pseudo-target inspector (top-5 of a row's softmax).
public struct ContrastiveOutput {
  /// Rank 0; its gradient reaches `image`, `text` and `temperature` only.
  public let loss: Tensor
  public let imageToTextLoss: Float
  public let textToImageLoss: Float
  /// (B, B + Q) student logits image·[text_m; text queue]ᵀ / temp, detached.
  public let imageToText: Tensor
  /// (B, B + Q) student logits text·[image_m; image queue]ᵀ / temp, detached.
  public let textToImage: Tensor
  /// (B, B + Q) momentum logits: the source of the distillation targets, detached.
  public let momentumImageToText: Tensor
  public let momentumTextToImage: Tensor
}

/// ALBEF's image-text contrastive loss with momentum queues and momentum distillation
/// (salesforce/ALBEF models/model_pretrain.py, see docs/objectives.md).
///
/// Keys are the momentum features of the batch followed by the queue, for the student and the
/// momentum model alike; the positive of row i is column i. Only the queries (the student
/// features) and the temperature receive gradient, as in the official code.
public enum ImageTextContrastive {
  static let objective = "ITC"
  public static let temperatureRange: ClosedRange<Float> = 0.001...0.5

  /// ALBEF clamps the learnable temperature into [0.001, 0.5] under no_grad before every
  /// forward; this does it in place on the parameter's values (its gradient is untouched).
  public static func clampTemperature(_ t: Tensor) {
    let values = t.storage.pointer
    for i in 0..<t.count {
      values[i] = min(max(values[i], temperatureRange.lowerBound), temperatureRange.upperBound)
    }
  }

  /// loss = ½ (mean_i CE_soft(image→text)_i + mean_i CE_soft(text→image)_i), with soft targets
  /// alpha · softmax(momentum logits) + (1 − alpha) · onehot(i) over [batch; queue].
  /// image, text, momentumImage, momentumText: (B, E); imageQueue, textQueue: (Q, E), Q ≥ 0;
  /// temperature: one element (rank 0), possibly a parameter.
  public static func loss(
    image: Tensor, text: Tensor, momentumImage: Tensor, momentumText: Tensor,
    imageQueue: Tensor, textQueue: Tensor, temperature: Tensor, alpha: Float
  ) throws -> ContrastiveOutput {
    try checkShapes(
      image: image, text: text, momentumImage: momentumImage, momentumText: momentumText,
      imageQueue: imageQueue, textQueue: textQueue, temperature: temperature)
    guard alpha >= 0, alpha <= 1 else {
      throw ObjectiveError.invalidConfiguration(
        field: "alpha", reason: "the distillation weight must lie in [0, 1], got \(alpha)")
    }
    let batch = image.shape[0]
    let temp = temperature.rank == 0 ? temperature : try temperature.reshaped([])
    // Keys carry no gradient: momentum features and the queue are constants for this step.
    let imageKeys = try keys(momentumImage, imageQueue)  // (B + Q, E)
    let textKeys = try keys(momentumText, textQueue)  // (B + Q, E)

    let (momentumI2T, momentumT2I, targetsI2T, targetsT2I) = try noGrad {
      let fixedTemp = temp.detached()
      let i2t = try Tensor.matmul(momentumImage.detached(), textKeys, transposeB: true) / fixedTemp
      let t2i = try Tensor.matmul(momentumText.detached(), imageKeys, transposeB: true) / fixedTemp
      return (
        i2t, t2i, try softTargets(i2t, alpha: alpha, batch: batch),
        try softTargets(t2i, alpha: alpha, batch: batch)
      )
    }
    let logitsI2T = try Tensor.matmul(image, textKeys, transposeB: true) / temp  // (B, B + Q)
    let logitsT2I = try Tensor.matmul(text, imageKeys, transposeB: true) / temp  // (B, B + Q)
    let lossI2T = try Tensor.crossEntropy(logits: logitsI2T, softTargets: targetsI2T)
    let lossT2I = try Tensor.crossEntropy(logits: logitsT2I, softTargets: targetsT2I)
    let loss = try (lossI2T + lossT2I) * 0.5
    return ContrastiveOutput(
      loss: loss, imageToTextLoss: try lossI2T.item(), textToImageLoss: try lossT2I.item(),
      imageToText: logitsI2T.detached(), textToImage: logitsT2I.detached(),
      momentumImageToText: momentumI2T, momentumTextToImage: momentumT2I)
  }

  /// [batch; queue] along the rows, detached (a zero-row queue adds nothing).
  private static func keys(_ batch: Tensor, _ queue: Tensor) throws -> Tensor {
    guard queue.shape[0] > 0 else { return batch.detached() }
    return try noGrad { try Tensor.concatenate([batch.detached(), queue.detached()], axis: 0) }
  }

  /// alpha · softmax(row) + (1 − alpha) · onehot(row index), (B, B + Q).
  private static func softTargets(_ logits: Tensor, alpha: Float, batch: Int) throws -> Tensor {
    let targets = try logits.softmax(axis: 1) * alpha
    let columns = logits.shape[1]
    let values = targets.storage.pointer
    for i in 0..<batch { values[i * columns + i] += 1 - alpha }
    return targets
  }

  private static func checkShapes(
    image: Tensor, text: Tensor, momentumImage: Tensor, momentumText: Tensor,
    imageQueue: Tensor, textQueue: Tensor, temperature: Tensor
  ) throws {
    guard image.rank == 2, image.shape[0] > 0, image.shape[1] > 0 else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "image features \(image.shape) must have shape (B, E) with B, E ≥ 1")
    }
    let named = [("text", text), ("momentumImage", momentumImage), ("momentumText", momentumText)]
    for (name, tensor) in named where tensor.shape != image.shape {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "image \(image.shape) and \(name) \(tensor.shape) must have the same shape (B, E)")
    }
    let dimension = image.shape[1]
    guard imageQueue.rank == 2, imageQueue.shape[1] == dimension,
      textQueue.shape == imageQueue.shape
    else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "imageQueue \(imageQueue.shape) and textQueue \(textQueue.shape) must both have "
          + "shape (Q, \(dimension)) for features \(image.shape)")
    }
    guard temperature.count == 1 else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "temperature \(temperature.shape) must be a scalar (one element)")
    }
    let value = temperature.storage.pointer[0]
    guard value > 0, value.isFinite else {
      throw ObjectiveError.invalidValue(
        objective: objective,
        detail: "temperature \(value) must be positive and finite: clamp it with "
          + "ImageTextContrastive.clampTemperature before the loss")
    }
  }
}
