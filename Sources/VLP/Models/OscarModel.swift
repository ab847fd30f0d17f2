import NN
import Tensor

/// Oscar: one BERT-style encoder over `[CLS] words [SEP] tags [SEP] regions`. Words and tags share
/// the word embeddings and differ by segment (0 caption, 1 tags); regions are projected by one
/// Linear(D + 6 → d) (+ LayerNorm) with no position or segment embedding (oscar/modeling).
/// Heads: the masked-token head (tied) and the pooled [CLS] classifier of the polluted-tag
/// contrastive loss (`seq_relationship`; label 0 = matched, 1 = polluted; with Oscar+'s caption
/// pollution a third class, 2 = polluted caption).
public final class OscarModel: Module {
  public let configuration: ModelConfiguration
  public let embeddings: TextEmbeddings
  public let regionEmbedding: Linear
  public let regionNorm: LayerNorm?
  public let encoder: TransformerEncoder
  public let mlmHead: MaskedTokenHead
  public let contrastiveHead: PooledClassifier
  /// Masked region modelling heads and mask vector, when a session trains MVM (UNITER-style).
  public let visionHeads: MaskedVisionHeads?
  private let dropout: Dropout

  public init(
    configuration: ModelConfiguration, vocabularySize: Int, regionInputSize: Int,
    pollutionClasses: Int = 2, objectives: ObjectiveConfiguration = ObjectiveConfiguration(),
    random: inout RandomGenerator
  ) throws {
    self.configuration = configuration
    let d = configuration.dimension
    embeddings = TextEmbeddings(
      vocabularySize: vocabularySize, maximumLength: configuration.maximumTextLength,
      segmentCount: 2, configuration: configuration, random: &random)
    regionEmbedding = Linear(inputSize: regionInputSize, outputSize: d, random: &random)
    regionNorm = configuration.regionLayerNorm ? LayerNorm(dimension: d) : nil
    encoder = try TransformerEncoder(
      layerCount: configuration.layers, configuration: configuration.layerConfiguration(),
      random: &random)
    mlmHead = MaskedTokenHead(
      dimension: d, wordEmbeddings: embeddings.words, tied: configuration.tieMLMHead,
      random: &random)
    contrastiveHead = PooledClassifier(dimension: d, classes: pollutionClasses, random: &random)
    dropout = Dropout(probability: configuration.dropout)
    visionHeads = MaskedVisionHeads.make(
      objectives: objectives, dimension: d, embedding: regionEmbedding,
      featureWidth: regionInputSize - 6, random: &random)
  }

  public var children: [(name: String, module: any Module)] {
    [("embeddings", embeddings as any Module), ("regionEmbedding", regionEmbedding)]
      + (regionNorm.map { [("regionNorm", $0 as any Module)] } ?? [])
      + [("encoder", encoder), ("mlmHead", mlmHead), ("contrastiveHead", contrastiveHead)]
      + (visionHeads.map { [("visionHeads", $0 as any Module)] } ?? [])
  }

  /// ids, segments: (B, T); textMask (B, T); regions (B, R, D + 6) with regionMask (B, R)
  /// → hidden states (B, T + R, d), text positions first.
  public func callAsFunction(
    ids: IndexTensor, segments: IndexTensor, textMask: Tensor, regions: Tensor, regionMask: Tensor,
    context: ForwardContext
  ) throws -> Tensor {
    let text = try embeddings(ids, segmentIDs: segments, context: context)  // (B, T, d)
    var image = try regionEmbedding(regions)  // (B, R, d)
    if let regionNorm { image = try regionNorm(image) }
    image = try dropout(image, context)
    let sequence = try Tensor.concatenate([text, image], axis: 1)  // (B, T + R, d)
    let mask = try Tensor.concatenate([textMask, regionMask], axis: 1)  // (B, T + R)
    return try encoder(sequence, mask: mask, context: context)
  }

  /// Polluted-tag logits (B, classes) from the pooled [CLS].
  public func contrastiveLogits(_ hidden: Tensor) throws -> Tensor {
    try contrastiveHead(hidden.firstToken())
  }

  /// Masked-token logits (N, V) at flat positions b·(T + R) + t.
  public func maskedTokenLogits(_ hidden: Tensor, positions: [Int]) throws -> Tensor {
    try mlmHead(hidden.rows(atFlatPositions: positions))
  }
}
