import NN
import Tensor

/// ALBEF: an image encoder, a text encoder, fusion layers that cross-attend from the text to the
/// image tokens, ITC projections with a learnable temperature, an MLM head (tied to the word
/// embeddings by default) and a 2-way ITM head on the fusion [CLS]. The momentum model is a second
/// instance built by the same initialiser and kept as an EMA copy (see `MomentumCopy`).
public final class ALBEFModel: Module {
  public let configuration: ModelConfiguration
  public let imageEncoder: ImageEncoder
  public let textEmbeddings: TextEmbeddings
  public let textEncoder: TransformerEncoder
  public let fusionEncoder: TransformerEncoder
  public let visionProjection: Linear
  public let textProjection: Linear
  public let mlmHead: MaskedTokenHead
  public let itmHead: Linear
  /// Masked vision modelling heads and mask vector, when a session trains MVM.
  public let visionHeads: MaskedVisionHeads?
  /// The ITC temperature τ (rank 0), initialised to `objectives.temperature` and clamped in place
  /// to [0.001, 0.5] before every step.
  public let temperature: Tensor

  public init(
    configuration: ModelConfiguration, vocabularySize: Int, regionInputSize: Int,
    initialTemperature: Float, objectives: ObjectiveConfiguration = ObjectiveConfiguration(),
    random: inout RandomGenerator
  ) throws {
    self.configuration = configuration
    let d = configuration.dimension
    imageEncoder = try ImageEncoder(
      configuration: configuration, regionInputSize: regionInputSize, random: &random)
    textEmbeddings = TextEmbeddings(
      vocabularySize: vocabularySize, maximumLength: configuration.maximumTextLength,
      segmentCount: 0, configuration: configuration, random: &random)
    textEncoder = try TransformerEncoder(
      layerCount: configuration.textLayers, configuration: configuration.layerConfiguration(),
      random: &random)
    fusionEncoder = try TransformerEncoder(
      layerCount: configuration.fusionLayers,
      configuration: configuration.layerConfiguration(crossAttention: true), random: &random)
    visionProjection = Linear(
      inputSize: d, outputSize: configuration.embeddingDimension, random: &random)
    textProjection = Linear(
      inputSize: d, outputSize: configuration.embeddingDimension, random: &random)
    mlmHead = MaskedTokenHead(
      dimension: d, wordEmbeddings: textEmbeddings.words, tied: configuration.tieMLMHead,
      random: &random)
    itmHead = Linear(inputSize: d, outputSize: 2, random: &random)
    temperature = Tensor(scalar: initialTemperature).requiringGrad()
    // Regions: the feature is the input minus its 6 box numbers; patches: all pixels.
    let featureWidth =
      configuration.imageInput == .regions ? regionInputSize - 6 : configuration.patchValues
    visionHeads = MaskedVisionHeads.make(
      objectives: objectives, dimension: d, embedding: imageEncoder.embedding,
      featureWidth: featureWidth, random: &random)
  }

  public var ownParameters: [(name: String, tensor: Tensor)] { [("temperature", temperature)] }

  public var children: [(name: String, module: any Module)] {
    [
      ("imageEncoder", imageEncoder), ("textEmbeddings", textEmbeddings),
      ("textEncoder", textEncoder), ("fusionEncoder", fusionEncoder),
      ("visionProjection", visionProjection), ("textProjection", textProjection),
      ("mlmHead", mlmHead), ("itmHead", itmHead),
    ] + (visionHeads.map { [("visionHeads", $0 as any Module)] } ?? [])
  }

  /// → image tokens (B, 1 + N, d) and their key mask.
  public func encodeImage(_ inputs: ImageInputs, context: ForwardContext) throws -> (
    tokens: Tensor, mask: Tensor?
  ) {
    try imageEncoder(inputs, context: context)
  }

  /// The text encoder alone (ALBEF's `mode='text'`): ids (B, T), mask (B, T) → (B, T, d), or
  /// (B, Tq, d) with `outputPositions` (B, Tq) (its last layer computes those alone).
  /// `causal` hides later tokens (captioning); the image is the prefix every token sees.
  public func encodeText(
    _ ids: IndexTensor, mask: Tensor, causal: Bool = false, outputPositions: IndexTensor? = nil,
    context: ForwardContext
  ) throws -> Tensor {
    try textEncoder(
      textEmbeddings(ids, context: context), mask: mask, causal: causal,
      outputPositions: outputPositions, context: context)
  }

  /// The fusion layers (`mode='fusion'`): text states (B, T, d) cross-attend to image tokens;
  /// (B, Tq, d) with `outputPositions` (B, Tq), those positions alone (what ITM and MLM read).
  public func fuse(
    text: Tensor, textMask: Tensor, image: Tensor, imageMask: Tensor?, causal: Bool = false,
    outputPositions: IndexTensor? = nil, context: ForwardContext
  ) throws -> Tensor {
    try fusionEncoder(
      text, mask: textMask, causal: causal, crossInput: image, crossMask: imageMask,
      outputPositions: outputPositions, context: context)
  }

  /// normalize(vision_proj(image [CLS])): (B, E)
  public func imageEmbedding(_ tokens: Tensor) throws -> Tensor {
    try visionProjection(tokens.firstToken()).l2Normalized()
  }

  /// normalize(text_proj(text [CLS])): (B, E)
  public func textEmbedding(_ hidden: Tensor) throws -> Tensor {
    try textProjection(hidden.firstToken()).l2Normalized()
  }

  /// ITM logits (B, 2) from fused states (B, T, d); column 1 = matched.
  public func matchingLogits(_ fused: Tensor) throws -> Tensor {
    try itmHead(fused.firstToken())
  }

  /// MLM logits (N, V) at flat positions b·T + t of fused states (B, T, d).
  public func maskedTokenLogits(_ fused: Tensor, positions: [Int]) throws -> Tensor {
    try mlmHead(fused.rows(atFlatPositions: positions))
  }
}
