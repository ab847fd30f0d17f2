import NN
import Tensor

/// Image tokens for a batch: patches (B, P, 3·p·p) or regions (B, R, D + 6) with their padding
/// mask (B, R) (1 = a real region).
public struct ImageInputs: Sendable {
  public var values: Tensor
  public var mask: Tensor?

  public init(values: Tensor, mask: Tensor?) {
    self.values = values
    self.mask = mask
  }
}

/// ALBEF's image side: a linear embedding of patches (with learned positions, as a ViT) or of
/// region features (with an optional LayerNorm and no positions, as Oscar), a learned [CLS]
/// token in front, and a Transformer encoder. Output: (B, 1 + N, d) and the key mask of it.
public final class ImageEncoder: Module {
  public let input: ImageInput
  public let embedding: Linear
  public let embeddingNorm: LayerNorm?
  public let classToken: Tensor  // (1, 1, d)
  public let positions: Tensor?  // (1, 1 + P, d)
  public let encoder: TransformerEncoder
  private let dropout: Dropout

  public init(
    configuration: ModelConfiguration, regionInputSize: Int, random: inout RandomGenerator
  ) throws {
    let d = configuration.dimension
    input = configuration.imageInput
    switch input {
    case .patches:
      embedding = Linear(inputSize: configuration.patchValues, outputSize: d, random: &random)
      embeddingNorm = nil
    case .regions:
      embedding = Linear(inputSize: regionInputSize, outputSize: d, random: &random)
      embeddingNorm = configuration.regionLayerNorm ? LayerNorm(dimension: d) : nil
    }
    classToken = Tensor.randomNormal(
      [1, 1, d], standardDeviation: Initialization.standardDeviation, using: &random
    ).requiringGrad()
    positions = input == .patches
      ? Tensor.randomNormal(
        [1, 1 + configuration.patchCount, d], standardDeviation: Initialization.standardDeviation,
        using: &random
      ).requiringGrad() : nil
    encoder = try TransformerEncoder(
      layerCount: configuration.imageLayers, configuration: configuration.layerConfiguration(),
      random: &random)
    dropout = Dropout(probability: configuration.dropout)
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("classToken", classToken)] + (positions.map { [("positions", $0)] } ?? [])
  }

  public var children: [(name: String, module: any Module)] {
    [("embedding", embedding)] + (embeddingNorm.map { [("embeddingNorm", $0 as any Module)] } ?? [])
      + [("encoder", encoder)]
  }

  /// → tokens (B, 1 + N, d) and their key mask (B, 1 + N), nil when nothing is padded.
  public func callAsFunction(_ inputs: ImageInputs, context: ForwardContext) throws -> (
    tokens: Tensor, mask: Tensor?
  ) {
    let batch = inputs.values.shape[0]
    var embedded = try embedding(inputs.values)  // (B, N, d)
    if let embeddingNorm { embedded = try embeddingNorm(embedded) }
    let d = embedded.shape[2]
    let cls = try classToken.broadcast(to: [batch, 1, d])
    var tokens = try Tensor.concatenate([cls, embedded], axis: 1)  // (B, 1 + N, d)
    if let positions { tokens = try tokens + positions }
    tokens = try dropout(tokens, context)
    let mask = try inputs.mask.map {
      try Tensor.concatenate([Tensor.ones([batch, 1]), $0], axis: 1)  // (B, 1 + N)
    }
    return (try encoder(tokens, mask: mask, context: context), mask)
  }
}
