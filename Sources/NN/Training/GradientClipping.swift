import Tensor

public enum GradientClipping {
  /// Scales all gradients so that their global L2 norm is at most `maxNorm` (PyTorch's
  /// `clip_grad_norm_`, with its 1e-6 guard) and returns the norm before clipping. The sum is
  /// taken in Double in parameter order, so it is the same on every run.
  @discardableResult
  public static func clipGlobalNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let norm = globalNorm(parameters)
    clip(parameters, norm: norm, maxNorm: maxNorm)
    return norm
  }

  /// The global L2 norm of the gradients (parameters without one count 0), summed in Double in
  /// parameter order. NaN or infinite when some gradient is.
  public static func globalNorm(_ parameters: [Tensor]) -> Float {
    var sumOfSquares = 0.0
    for parameter in parameters {
      guard let g = parameter.gradStorage?.pointer else { continue }
      for i in 0..<parameter.count { sumOfSquares += Double(g[i]) * Double(g[i]) }
    }
    return Float(sumOfSquares.squareRoot())
  }

  /// The second half of `clipGlobalNorm`: scales the gradients by maxNorm / (norm + 1e-6) when
  /// that is below 1; `norm` is `globalNorm(parameters)`, taken once by the caller.
  public static func clip(_ parameters: [Tensor], norm: Float, maxNorm: Float) {
    let scale = maxNorm / (norm + 1e-6)
    guard scale < 1 else { return }
    // The scaling is elementwise: one loop over every gradient, split across threads. (The sum
    // in `globalNorm` stays on one thread: splitting it would change its rounding.)
    let scaled = parameters.filter { $0.gradStorage != nil }
    let gradients = scaled.map { $0.gradStorage!.pointer }
    Parallel.forSegments(counts: scaled.map(\.count)) { segment, elements in
      let g = gradients[segment]
      for i in elements { g[i] *= scale }
    }
  }

  /// The index of the first parameter whose gradient holds NaN or an infinity, if any.
  public static func firstNonFiniteGradient(_ parameters: [Tensor]) -> Int? {
    parameters.firstIndex { parameter in
      guard let g = parameter.gradStorage?.pointer else { return false }
      return (0..<parameter.count).contains { !g[$0].isFinite }
    }
  }
}
