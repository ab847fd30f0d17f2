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
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try output(intermediate(x, activation: activation))
  }
}
