/// Inverted dropout: during training each element is kept with probability 1 - p and scaled by
/// 1 / (1 - p), so the expected value is unchanged and evaluation needs no rescaling.
extension Tensor {
  /// Takes one draw from `rng` as the key of a counter-based mask (`DropoutMask`), so a seed
  /// fixes the mask and any thread can compute any part of it. Returns `self` unchanged
  /// (drawing nothing) when not training or when p == 0.
  public func dropout(
    probability: Float, training: Bool, using rng: inout RandomGenerator
  ) throws -> Tensor {
    guard probability >= 0, probability < 1 else {
      throw TensorError.invalidArgument(
        op: "dropout", detail: "probability \(probability) must be in [0, 1)")
    }
    guard training, probability > 0 else { return self }
    guard count <= DropoutMask.maximumCount else {
      throw TensorError.invalidArgument(
        op: "dropout", detail: "\(count) elements: a mask covers at most 2^32")
    }
    // Each element is scaled by 0 or 1 / (1 - p). No mask is kept: the pullback recomputes
    // the same scales from the key, bit for bit, instead of holding 4 bytes an element.
    let mask = DropoutMask(key: rng.next(), probability: probability)
    let output = TensorStorage(count: count, zeroed: false)
    let (x, y) = (storage.pointer, output.pointer)
    Parallel.forChunks(count: count, minimumPerThread: Parallel.elementwiseMinimum) { range in
      mask.apply(
        x + range.lowerBound, into: y + range.lowerBound, first: range.lowerBound,
        count: range.count)
    }
    let node = gradientNode
    return Tensor.result("dropout", shape: shape, storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      Parallel.forChunks(count: node.count, minimumPerThread: Parallel.elementwiseMinimum) { range in
        mask.accumulate(
          g + range.lowerBound, into: gx + range.lowerBound, first: range.lowerBound,
          count: range.count)
      }
    }
  }
}
