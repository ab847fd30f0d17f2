import Foundation

/// Elementwise unary ops. Each pullback receives (upstream gradient, input, output) so that ops
/// whose derivative is cheaper from the output (exp, tanh, sigmoid) reuse it; `reading` says
/// which of the two the derivative reads, and the graph keeps only that one.
extension Tensor {
  /// Which value an elementwise derivative reads; the other is not kept for backward and the
  /// derivative must ignore its argument.
  enum DerivativeReads {
    case nothing, input, output
  }

  func map(
    _ name: String, reading: DerivativeReads, _ forward: @escaping (Float) -> Float,
    _ derivative: @escaping (_ gradient: Float, _ input: Float, _ output: Float) -> Float
  ) -> Tensor {
    let output = TensorStorage(count: count, zeroed: false)
    let (x, y) = (storage.pointer, output.pointer)
    Parallel.forChunks(count: count, minimumPerThread: Parallel.elementwiseMinimum) { range in
      for i in range { y[i] = forward(x[i]) }
    }
    return elementwiseResult(name, output: output, reading: reading, derivative)
  }

  /// Same as `map` for functions with a SIMD kernel: `forward` runs 16 lanes at a time.
  func mapVector(
    _ name: String, reading: DerivativeReads, _ forward: (VectorMath.Vector) -> VectorMath.Vector,
    _ derivative: @escaping (_ gradient: Float, _ input: Float, _ output: Float) -> Float
  ) -> Tensor {
    let output = TensorStorage(count: count, zeroed: false)
    let (x, y) = (storage.pointer, output.pointer)
    Parallel.forChunks(count: count, minimumPerThread: Parallel.elementwiseMinimum) { range in
      VectorMath.apply(x + range.lowerBound, y + range.lowerBound, count: range.count, forward)
    }
    return elementwiseResult(name, output: output, reading: reading, derivative)
  }

  /// The result of an elementwise op over `self`, whose pullback adds derivative(g, x, y).
  private func elementwiseResult(
    _ name: String, output: TensorStorage, reading: DerivativeReads,
    _ derivative: @escaping (_ gradient: Float, _ input: Float, _ output: Float) -> Float
  ) -> Tensor {
    let node = gradientNode
    let keptInput = reading == .input ? storage : nil
    let keptOutput = reading == .output ? output : nil
    return Tensor.result(name, shape: shape, storage: output, inputs: [self]) { g in
      // A value not kept is not read by `derivative`; `g` (same size) stands in for it.
      let x = keptInput.map { UnsafePointer($0.pointer) } ?? g
      let y = keptOutput.map { UnsafePointer($0.pointer) } ?? g
      let gx = node.accumulator()
      Parallel.forChunks(count: node.count, minimumPerThread: Parallel.elementwiseMinimum) { range in
        for i in range { gx[i] += derivative(g[i], x[i], y[i]) }
      }
    }
  }

  public func exp() -> Tensor { mapVector("exp", reading: .output, VectorMath.exp, { g, _, y in g * y }) }
  public func log() -> Tensor { map("log", reading: .input, { Foundation.log($0) }, { g, x, _ in g / x }) }
  public func sqrt() -> Tensor { map("sqrt", reading: .output, { $0.squareRoot() }, { g, _, y in g / (2 * y) }) }
  public func tanh() -> Tensor { mapVector("tanh", reading: .output, VectorMath.tanh, { g, _, y in g * (1 - y * y) }) }
  public func abs() -> Tensor { map("abs", reading: .input, { Swift.abs($0) }, { g, x, _ in x > 0 ? g : (x < 0 ? -g : 0) }) }

  public func sigmoid() -> Tensor {
    mapVector("sigmoid", reading: .output, { 1 / (1 + VectorMath.exp(-$0)) }, { g, _, y in g * y * (1 - y) })
  }

  /// max(x, 0); the gradient at exactly 0 is taken as 0.
  public func relu() -> Tensor {
    map("relu", reading: .input, { Swift.max($0, 0) }, { g, x, _ in x > 0 ? g : 0 })
  }

  /// Clamps into [lower, upper]; the gradient passes only where the input is strictly inside
  /// (as PyTorch: the boundary values themselves pass it).
  public func clamp(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
    map("clamp", reading: .input, { Swift.min(Swift.max($0, lower), upper) },
      { g, x, _ in (x >= lower && x <= upper) ? g : 0 })
  }
}
