import Tensor

/// A stack of Transformer layers (`layers.0`, `layers.1`, ...), with a final LayerNorm when the
/// layers are pre-norm (post-norm layers already end normalised).
public final class TransformerEncoder: Module {
  public let layers: [TransformerLayer]
  public let finalNorm: LayerNorm?

  public init(
    layerCount: Int, configuration: TransformerLayerConfiguration, random: inout RandomGenerator
  ) throws {
    var layers: [TransformerLayer] = []
    for _ in 0..<layerCount { layers.append(try TransformerLayer(configuration, random: &random)) }
    self.layers = layers
    finalNorm = configuration.normalization == .preNorm
      ? LayerNorm(dimension: configuration.dimension, epsilon: configuration.layerNormEpsilon) : nil
  }

  public var children: [(name: String, module: any Module)] {
    layers.enumerated().map { ("layers.\($0.offset)", $0.element as any Module) }
      + (finalNorm.map { [("finalNorm", $0 as any Module)] } ?? [])
  }

  /// x: (B, T, d) → (B, T, d), or (B, Tq, d) with `outputPositions` (B, Tq): the last layer
  /// computes those positions of each sequence alone (`TransformerLayer`).
  public func callAsFunction(
    _ x: Tensor, mask: Tensor? = nil, causal: Bool = false, crossInput: Tensor? = nil,
    crossMask: Tensor? = nil, outputPositions: IndexTensor? = nil, context: ForwardContext
  ) throws -> Tensor {
    var hidden = x
    if layers.isEmpty, let outputPositions {
      hidden = try OutputRows(outputPositions, of: x).select(x)
    }
    for (index, layer) in layers.enumerated() {
      hidden = try layer(
        hidden, mask: mask, causal: causal, crossInput: crossInput, crossMask: crossMask,
        outputPositions: index == layers.count - 1 ? outputPositions : nil, context: context)
    }
    return try finalNorm?(hidden) ?? hidden
  }
}
