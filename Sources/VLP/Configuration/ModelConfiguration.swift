import NN

/// Which architecture a run trains.
public enum ModelFamily: String, Sendable, Codable, CaseIterable {
  /// Dual stream + fusion (ALBEF): image encoder, text encoder, cross-attention fusion layers.
  case albef
  /// Single stream (Oscar): [CLS] words [SEP] tags [SEP] regions through one encoder.
  case oscar
}

/// What the image encoder of ALBEF reads.
public enum ImageInput: String, Sendable, Codable, CaseIterable {
  /// Pixel patches of the rendered image, as a ViT.
  case patches
  /// The simulated detector's region features and boxes, as Oscar and UNITER.
  case regions
}

/// Sizes and switches of the model. Oscar always reads regions (its word-tag-region triple).
public struct ModelConfiguration: Sendable, Equatable {
  public var family: ModelFamily = .albef
  public var dimension = 128
  public var headCount = 4
  public var hiddenSize = 512
  /// ALBEF's encoders; Oscar uses `layers`.
  public var imageLayers = 2
  public var textLayers = 2
  public var fusionLayers = 2
  public var layers = 4
  public var normalization: NormalizationPlacement = .preNorm
  public var dropout: Float = 0.1
  public var imageInput: ImageInput = .patches
  /// Side of the rendered image the patch encoder reads, and of one square patch, in pixels.
  public var imageSize = 16
  public var patchSize = 4
  /// ALBEF: text positions including [CLS] (and [SEP]). Oscar: the whole `[CLS] a [SEP] b [SEP]`.
  public var maximumTextLength = 25
  /// Regions kept per image (truncated or padded), as Oscar's max_img_seq_length.
  public var maximumRegions = 10
  /// Width of the ITC embedding space.
  public var embeddingDimension = 64
  /// Decoder of the MLM head shares the word embedding matrix (BERT, ALBEF, Oscar).
  public var tieMLMHead = true
  /// LayerNorm after Oscar's region projection (`use_img_layernorm`).
  public var regionLayerNorm = true
  /// 0: the tokenizer's vocabulary; larger: pad the embedding table to this many rows.
  public var vocabularySize = 0

  public init() {}

  public var patchCount: Int { (imageSize / patchSize) * (imageSize / patchSize) }
  public var patchValues: Int { patchSize * patchSize * 3 }

  /// The Transformer layer settings shared by every encoder of the model.
  public func layerConfiguration(crossAttention: Bool = false) -> TransformerLayerConfiguration {
    TransformerLayerConfiguration(
      dimension: dimension, headCount: headCount, hiddenSize: hiddenSize, dropout: dropout,
      attentionDropout: dropout, normalization: normalization,
      crossAttentionSize: crossAttention ? dimension : nil, activation: .erf)
  }
}

extension ModelConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case family, dimension, headCount, hiddenSize, imageLayers, textLayers, fusionLayers, layers
    case normalization, dropout, imageInput, imageSize, patchSize, maximumTextLength
    case maximumRegions, embeddingDimension, tieMLMHead, regionLayerNorm, vocabularySize
  }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&family, .family)
    try c.read(&dimension, .dimension)
    try c.read(&headCount, .headCount)
    try c.read(&hiddenSize, .hiddenSize)
    try c.read(&imageLayers, .imageLayers)
    try c.read(&textLayers, .textLayers)
    try c.read(&fusionLayers, .fusionLayers)
    try c.read(&layers, .layers)
    try c.read(&normalization, .normalization)
    try c.read(&dropout, .dropout)
    try c.read(&imageInput, .imageInput)
    try c.read(&imageSize, .imageSize)
    try c.read(&patchSize, .patchSize)
    try c.read(&maximumTextLength, .maximumTextLength)
    try c.read(&maximumRegions, .maximumRegions)
    try c.read(&embeddingDimension, .embeddingDimension)
    try c.read(&tieMLMHead, .tieMLMHead)
    try c.read(&regionLayerNorm, .regionLayerNorm)
    try c.read(&vocabularySize, .vocabularySize)
    try c.check(dimension, 8...4096, .dimension)
    try c.check(headCount, 1...64, .headCount)
    guard dimension % headCount == 0 else {
      throw c.fail(.headCount, "must divide dimension (\(dimension)), got \(headCount)")
    }
    try c.check(hiddenSize, 1...65536, .hiddenSize)
    try c.check(imageLayers, 0...48, .imageLayers)
    try c.check(textLayers, 0...48, .textLayers)
    try c.check(fusionLayers, 1...48, .fusionLayers)
    try c.check(layers, 1...48, .layers)
    try c.check(dropout, 0...0.9, .dropout)
    try c.check(imageSize, 4...512, .imageSize)
    try c.check(patchSize, 1...64, .patchSize)
    guard imageSize % patchSize == 0 else {
      throw c.fail(.patchSize, "must divide imageSize (\(imageSize)), got \(patchSize)")
    }
    try c.check(maximumTextLength, 4...512, .maximumTextLength)
    try c.check(maximumRegions, 1...256, .maximumRegions)
    try c.check(embeddingDimension, 2...4096, .embeddingDimension)
    try c.check(vocabularySize, 0...1_000_000, .vocabularySize)
  }
}
