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
    // Each element is scaled by 0 or 1 / (1 - p). No mask is kept: the pullback replays the
    // same draws from a copy of the generator taken before them, which gives the same scales
    // bit for bit and costs a draw per element instead of 4 bytes held until backward.
    let scale = 1 / (1 - probability)
    let replay = rng
    let output = TensorStorage(count: count, zeroed: false)
    let (x, y) = (storage.pointer, output.pointer)
    rng = Self.forEachDraw(from: replay, count: count) { range, draws in
      for i in range { y[i] = x[i] * (draws.nextFloat() < probability ? 0 : scale) }
    }
    let node = gradientNode
    return Tensor.result("dropout", shape: shape, storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      Self.forEachDraw(from: replay, count: node.count) { range, draws in
        for i in range { gx[i] += g[i] * (draws.nextFloat() < probability ? 0 : scale) }
      }
    }
  }

  /// Runs `body(range, generator)` over chunks of 0..<count on the run's threads, each chunk's
  /// generator jumped ahead to draw `range.lowerBound` onwards (`RandomGenerator.advanced(by:)`),
  /// so every element gets the draw it gets on one thread. `body` draws one number per element
  /// of its range, in order. Returns the generator after all `count` draws.
  @discardableResult
  static func forEachDraw(
    from start: RandomGenerator, count: Int,
    _ body: (Range<Int>, inout RandomGenerator) -> Void
  ) -> RandomGenerator {
    var end = start
    Parallel.forChunks(count: count, minimumPerThread: Parallel.elementwiseMinimum) { range in
      var draws = start.advanced(by: range.lowerBound)
      body(range, &draws)
      if range.upperBound == count { end = draws }  // one chunk ends the stream
    }
    return end
  }
}
