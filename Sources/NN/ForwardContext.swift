import Tensor

/// What a forward pass needs besides its inputs: whether it trains (dropout on) and the random
/// stream dropout draws from. Passing it explicitly keeps every random draw in one seeded,
/// ordered stream, so a run is reproducible and resumable from a saved generator state.
public final class ForwardContext {
  public var training: Bool
  public var random: RandomGenerator

  public init(training: Bool, seed: UInt64) {
    self.training = training
    self.random = RandomGenerator(seed: seed)
  }

  public init(training: Bool, random: RandomGenerator) {
    self.training = training
    self.random = random
  }

  /// For evaluation: no dropout, and no draws are ever made.
  public static func inference() -> ForwardContext { ForwardContext(training: false, seed: 0) }

  /// A seed for one fused kernel's own dropout stream (attention), drawn from the main stream.
  func nextSeed() -> UInt64 { random.next() }
}

/// BERT's initialisation: weights from N(0, 0.02^2), biases 0, LayerNorm weight 1 and bias 0.
public enum Initialization {
  public static let standardDeviation: Float = 0.02

  static func normal(_ shape: Shape, using random: inout RandomGenerator) -> Tensor {
    Tensor.randomNormal(shape, standardDeviation: standardDeviation, using: &random).requiringGrad()
  }

  static func constant(_ shape: Shape, _ value: Float) -> Tensor {
    Tensor.full(shape, value: value).requiringGrad()
  }
}
