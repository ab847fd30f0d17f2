import Tensor

/// y = x Wᵀ + b over the last axis. The weight is stored (out, in) as in PyTorch, so checkpoints
/// read naturally there; the product uses the NT GEMM layout and never materialises Wᵀ.
public final class Linear: Module {
  public let weight: Tensor  // (out, in)
  public let bias: Tensor?  // (out)
  public let inputSize: Int
  public let outputSize: Int

  public init(inputSize: Int, outputSize: Int, bias: Bool = true, random: inout RandomGenerator) {
    self.inputSize = inputSize
    self.outputSize = outputSize
    weight = Initialization.normal([outputSize, inputSize], using: &random)
    self.bias = bias ? Initialization.constant([outputSize], 0) : nil
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  /// x: (..., in) → (..., out)
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try callAsFunction(x, activation: nil)
  }

  /// x: (..., in) → GELU(x Wᵀ + b) when `activation` is set. A batch of rows goes through the
  /// fused op (one pass for bias and GELU after the GEMM); a single vector through the plain ops.
  /// Both give the same bits.
  public func callAsFunction(_ x: Tensor, activation: GELUApproximation?) throws -> Tensor {
    guard x.rank >= 1, x.shape.last == inputSize else {
      throw TensorError.shapeMismatch(
        op: "Linear", detail: "input \(x.shape) needs a last axis of \(inputSize)")
    }
    if x.rank >= 2 { return try x.linear(weight: weight, bias: bias, activation: activation) }
    let product = try x.matmul2D(weight)
    let biased = try bias.map { try product + $0 } ?? product
    return activation.map { biased.gelu($0) } ?? biased
  }
}

extension Tensor {
  /// x (..., in) times Wᵀ for W (out, in). `matmul` already folds the leading axes of a rank-2+
  /// input into the rows of one GEMM; only a single vector needs a row axis added and removed.
  func matmul2D(_ weight: Tensor) throws -> Tensor {
    guard rank == 1 else { return try matmul(weight, transposeOther: true) }
    return try unsqueezed(axis: 0).matmul(weight, transposeOther: true)  // (1, out)
      .squeezed(axis: 0)  // (out)
  }
}
