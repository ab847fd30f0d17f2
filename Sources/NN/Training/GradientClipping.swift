import Tensor

public enum GradientClipping {
  /// Scales all gradients so that their global L2 norm is at most `maxNorm` (PyTorch's
  /// `clip_grad_norm_`, with its 1e-6 guard) and returns the norm before clipping. The sum is
  /// taken in Double in parameter order, so it is the same on every run.
  @discardableResult
  public static func clipGlobalNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var sumOfSquares = 0.0
    for parameter in parameters {
      guard let g = parameter.gradStorage?.pointer else { continue }
      for i in 0..<parameter.count { sumOfSquares += Double(g[i]) * Double(g[i]) }
    }
    let norm = Float(sumOfSquares.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    guard scale < 1 else { return norm }
    for parameter in parameters {
      guard let g = parameter.gradStorage?.pointer else { continue }
      for i in 0..<parameter.count { g[i] *= scale }
    }
    return norm
  }
}
