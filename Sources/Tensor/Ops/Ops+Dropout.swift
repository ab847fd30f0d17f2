/// Inverted dropout: during training each element is kept with probability 1 - p and scaled by
/// 1 / (1 - p), so the expected value is unchanged and evaluation needs no rescaling.
extension Tensor {
  /// Draws one uniform number per element, in element order, from `rng`, so a seed fixes the
  /// mask. Returns `self` unchanged (drawing nothing) when not training or when p == 0.
  public func dropout(
    probability: Float, training: Bool, using rng: inout RandomGenerator
  ) throws -> Tensor {
    guard probability >= 0, probability < 1 else {
      throw TensorError.invalidArgument(
        op: "dropout", detail: "probability \(probability) must be in [0, 1)")
    }
    guard training, probability > 0 else { return self }
    // The mask holds the scale of each element (0 or 1 / (1 - p)), reused by the pullback.
    let scale = 1 / (1 - probability)
    let mask = TensorStorage(count: count, zeroed: false)
    for i in 0..<count { mask.pointer[i] = rng.nextFloat() < probability ? 0 : scale }
    let output = TensorStorage(count: count, zeroed: false)
    let (x, m, y) = (storage.pointer, mask.pointer, output.pointer)
    Parallel.forChunks(count: count, minimumPerThread: 1 << 16) { range in
      for i in range { y[i] = x[i] * m[i] }
    }
    let input = self
    return Tensor.result("dropout", shape: shape, storage: output, inputs: [self]) { g in
      guard input.requiresGrad else { return }
      let (gx, m) = (input.gradientAccumulator(), mask.pointer)
      for i in 0..<input.count { gx[i] += g[i] * m[i] }
    }
  }
}
