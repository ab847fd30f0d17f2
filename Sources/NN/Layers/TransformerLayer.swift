import Tensor

/// Where a Transformer layer normalises.
///
/// `postNorm` (the default) is BERT's and ALBEF's: x = LN(x + sublayer(x)). We default to it
/// because the VLP models we reproduce use it, so their hyper-parameters (learning rates,
/// warm-up) carry over. `preNorm`, x = x + sublayer(LN(x)), trains more stably without warm-up
/// and is offered for experiments; an encoder of pre-norm layers ends with a final LayerNorm.
public enum NormalizationPlacement: String, Sendable, Codable, CaseIterable {
  case postNorm = "post"
  case preNorm = "pre"
}

public struct TransformerLayerConfiguration: Sendable, Equatable {
  public var dimension: Int
  public var headCount: Int
  public var hiddenSize: Int
  public var dropout: Float
  public var attentionDropout: Float
  public var normalization: NormalizationPlacement
  /// Width of the sequence the cross-attention sub-layer attends to; nil = no cross-attention.
  public var crossAttentionSize: Int?
  public var activation: GELUApproximation
  public var layerNormEpsilon: Float

  public init(
    dimension: Int, headCount: Int, hiddenSize: Int? = nil, dropout: Float = 0.1,
    attentionDropout: Float = 0.1, normalization: NormalizationPlacement = .postNorm,
    crossAttentionSize: Int? = nil, activation: GELUApproximation = .erf,
    layerNormEpsilon: Float = 1e-12
  ) {
    self.dimension = dimension
    self.headCount = headCount
    self.hiddenSize = hiddenSize ?? 4 * dimension
    self.dropout = dropout
    self.attentionDropout = attentionDropout
    self.normalization = normalization
    self.crossAttentionSize = crossAttentionSize
    self.activation = activation
    self.layerNormEpsilon = layerNormEpsilon
  }
}

/// Self-attention, an optional cross-attention (ALBEF's fusion layers), and a feed-forward block,
/// each with dropout, a residual connection and a LayerNorm.
public final class TransformerLayer: Module {
  public let configuration: TransformerLayerConfiguration
  public let attention: MultiHeadAttention
  public let attentionNorm: LayerNorm
  public let crossAttention: MultiHeadAttention?
  public let crossAttentionNorm: LayerNorm?
  public let feedForward: FeedForward
  public let feedForwardNorm: LayerNorm
  private let dropout: Dropout

  public init(_ configuration: TransformerLayerConfiguration, random: inout RandomGenerator) throws {
    self.configuration = configuration
    let c = configuration
    attention = try MultiHeadAttention(
      dimension: c.dimension, headCount: c.headCount, attentionDropout: c.attentionDropout,
      random: &random)
    attentionNorm = LayerNorm(dimension: c.dimension, epsilon: c.layerNormEpsilon)
    if let size = c.crossAttentionSize {
      crossAttention = try MultiHeadAttention(
        dimension: c.dimension, headCount: c.headCount, keyValueSize: size,
        attentionDropout: c.attentionDropout, random: &random)
      crossAttentionNorm = LayerNorm(dimension: c.dimension, epsilon: c.layerNormEpsilon)
    } else {
      crossAttention = nil
      crossAttentionNorm = nil
    }
    feedForward = FeedForward(
      dimension: c.dimension, hiddenSize: c.hiddenSize, activation: c.activation, random: &random)
    feedForwardNorm = LayerNorm(dimension: c.dimension, epsilon: c.layerNormEpsilon)
    dropout = Dropout(probability: c.dropout)
  }

  public var children: [(name: String, module: any Module)] {
    var result: [(name: String, module: any Module)] = [("attention", attention), ("attentionNorm", attentionNorm)]
    if let crossAttention, let crossAttentionNorm {
      result += [("crossAttention", crossAttention), ("crossAttentionNorm", crossAttentionNorm)]
    }
    return result + [("feedForward", feedForward), ("feedForwardNorm", feedForwardNorm)]
  }

  /// x: (B, T, d); mask: (B, T) key padding of x; crossInput: (B, Tc, d_c) with crossMask (B, Tc).
  /// With `outputPositions` (B, Tq), only those positions of each sequence are computed, (B,
  /// Tq, d): their queries attend to every position's keys and values and the rest of the layer
  /// works row by row, so without dropout each row has the bits of the whole layer's row. The
  /// heads of ITM (the [CLS]) and MLM (the masked words) read nothing else of the last fusion
  /// layer.
  public func callAsFunction(
    _ x: Tensor, mask: Tensor? = nil, causal: Bool = false, crossInput: Tensor? = nil,
    crossMask: Tensor? = nil, outputPositions: IndexTensor? = nil, context: ForwardContext
  ) throws -> Tensor {
    if outputPositions != nil && causal {
      throw TensorError.invalidArgument(
        op: "TransformerLayer", detail: "a causal layer cannot compute some positions alone")
    }
    let rows = try outputPositions.map { try OutputRows($0, of: x) }
    // With rows, the queries are the selected rows (B, Tq, d) and the keys and values every
    // position of the (normalised) input.
    var hidden = try residual(x, attentionNorm, context, rows: rows) { input, whole in
      try attention(
        input, keysValues: rows == nil ? nil : whole, keyMask: mask, causal: causal,
        context: context)
    }
    if let crossAttention, let crossAttentionNorm {
      guard let crossInput else {
        throw TensorError.invalidArgument(
          op: "TransformerLayer", detail: "this layer has cross-attention and needs a cross input (image tokens)")
      }
      hidden = try residual(hidden, crossAttentionNorm, context) { input, _ in
        try crossAttention(input, keysValues: crossInput, keyMask: crossMask, context: context)
      }
    }
    return try residual(hidden, feedForwardNorm, context) { input, _ in try feedForward(input) }
  }

  /// The sublayer with its dropout, residual connection and LayerNorm. The sublayer gets its
  /// input and the whole (normalised, for pre-norm) sequence; with `rows`, the input and the
  /// residual are those rows alone.
  private func residual(
    _ x: Tensor, _ norm: LayerNorm, _ context: ForwardContext, rows: OutputRows? = nil,
    _ sublayer: (_ input: Tensor, _ whole: Tensor) throws -> Tensor
  ) throws -> Tensor {
    switch configuration.normalization {
    case .postNorm:
      let input = try rows?.select(x) ?? x
      return try norm(input, adding: dropout(sublayer(input, x), context))
    case .preNorm:
      let normalized = try norm(x)
      return try (rows?.select(x) ?? x)
        + dropout(sublayer(rows?.select(normalized) ?? normalized, normalized), context)
    }
  }
}

extension IndexTensor {
  /// Output positions (count, 1) that select each sequence's first token (its [CLS]).
  public static func firstTokens(_ count: Int) throws -> IndexTensor {
    try IndexTensor(shape: [count, 1], values: Array(repeating: 0, count: count))
  }
}

/// The rows of a (B, T, d) batch at given positions of each sequence, (B, Tq) → (B, Tq, d).
struct OutputRows {
  let batch: Int, length: Int, dimension: Int, count: Int
  let flat: IndexTensor

  init(_ positions: IndexTensor, of x: Tensor) throws {
    guard x.rank == 3, positions.shape.rank == 2, positions.shape[0] == x.shape[0] else {
      throw TensorError.shapeMismatch(
        op: "TransformerLayer",
        detail: "output positions \(positions.shape) for an input \(x.shape): need (batch, count)")
    }
    let (length, count) = (x.shape[1], positions.shape[1])
    guard positions.values.allSatisfy({ (0..<length).contains($0) }) else {
      throw TensorError.invalidArgument(
        op: "TransformerLayer", detail: "output positions must lie in 0..<\(length)")
    }
    (batch, self.length, dimension, self.count) = (x.shape[0], length, x.shape[2], count)
    flat = IndexTensor(
      positions.values.enumerated().map { ($0.offset / count) * length + $0.element })
  }

  func select(_ x: Tensor) throws -> Tensor {
    try x.reshaped([batch * length, dimension]).indexSelected(axis: 0, indices: flat)
      .reshaped([batch, count, dimension])
  }
}
