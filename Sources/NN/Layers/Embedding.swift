import Tensor

/// A lookup table of `count` vectors of size `dimension` (token, position or segment ids).
public final class Embedding: Module {
  public let weight: Tensor  // (count, dimension)

  public init(count: Int, dimension: Int, random: inout RandomGenerator) {
    weight = Initialization.normal([count, dimension], using: &random)
  }

  public var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }
  public var count: Int { weight.shape[0] }
  public var dimension: Int { weight.shape[1] }

  /// ids: any shape → ids.shape + (dimension)
  public func callAsFunction(_ ids: IndexTensor) throws -> Tensor {
    try Tensor.embedding(weight, indices: ids)
  }
}

/// Layer normalisation over the last axis with a learned scale and shift.
public final class LayerNorm: Module {
  public let weight: Tensor  // (dimension), initialised to 1
  public let bias: Tensor  // (dimension), initialised to 0
  public let epsilon: Float

  /// BERT and ALBEF use epsilon 1e-12.
  public init(dimension: Int, epsilon: Float = 1e-12) {
    weight = Initialization.constant([dimension], 1)
    bias = Initialization.constant([dimension], 0)
    self.epsilon = epsilon
  }

  public var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try x.layerNorm(gamma: weight, beta: bias, epsilon: epsilon)
  }

  /// LN(x + residual) in one fused pass (a post-norm residual connection); same bits as
  /// `self(x + residual)`.
  public func callAsFunction(_ x: Tensor, adding residual: Tensor) throws -> Tensor {
    try x.layerNorm(adding: residual, gamma: weight, beta: bias, epsilon: epsilon)
  }
}

/// Inverted dropout drawing from the forward context's stream; identity when not training.
public struct Dropout: Sendable {
  public let probability: Float

  public init(probability: Float) { self.probability = probability }

  public func callAsFunction(_ x: Tensor, _ context: ForwardContext) throws -> Tensor {
    guard context.training, probability > 0 else { return x }
    return try x.dropout(probability: probability, training: true, using: &context.random)
  }
}
