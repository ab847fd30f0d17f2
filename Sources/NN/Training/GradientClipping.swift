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
    // The scaling is elementwise: one loop over every gradient, split across threads. (The sum
    // above stays on one thread: splitting it would change its rounding.)
    let scaled = parameters.filter { $0.gradStorage != nil }
    let gradients = scaled.map { $0.gradStorage!.pointer }
    Parallel.forSegments(counts: scaled.map(\.count)) { segment, elements in
      let g = gradients[segment]
      for i in elements { g[i] *= scale }
    }
    return norm
  }
}
