import Tensor

/// The Transformer's position-wise block: Linear(d → hidden), GELU, Linear(hidden → d).
public final class FeedForward: Module {
  public let intermediate: Linear
  public let output: Linear
  public let activation: GELUApproximation

  public init(
    dimension: Int, hiddenSize: Int, activation: GELUApproximation = .erf,
    random: inout RandomGenerator
  ) {
    intermediate = Linear(inputSize: dimension, outputSize: hiddenSize, random: &random)
    output = Linear(inputSize: hiddenSize, outputSize: dimension, random: &random)
    self.activation = activation
  }

  public var children: [(name: String, module: any Module)] {
    [("intermediate", intermediate), ("output", output)]
  }

  /// x: (..., d) → (..., d)
  /// One fused op on a batch of rows (`Tensor.feedForward`: the GELU output is not kept for
  /// backward but computed again), the two layers in sequence on a single vector.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank >= 2, x.shape.last == intermediate.inputSize else {
      return try output(intermediate(x, activation: activation))
    }
    return try x.feedForward(
      hiddenWeight: intermediate.weight, hiddenBias: intermediate.bias, activation: activation,
      outputWeight: output.weight, outputBias: output.bias)
  }
}
