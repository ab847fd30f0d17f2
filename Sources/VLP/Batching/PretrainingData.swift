import Tensor

/// A data set prepared for a model: the tokenizer, every caption's ids, the tag text of each
/// pair in the session's tag set, and the image inputs the model reads (image patches or
/// detector regions), built on demand per batch. The pairs come from a `PretrainingCorpus`:
/// the scene world (the default) or a real data set (`data.source`, docs/data.md).
public final class PretrainingData: Sendable {
  public let corpus: any PretrainingCorpus
  /// The scene world when the source is `world`; nil for real data. What only the world has
  /// (scene graphs) is read through it, and objectives that need it are refused at load for
  /// other sources (`ObjectiveRequirements`).
  public let world: SceneWorld!
  public let tokenizer: Tokenizer
  public let model: ModelConfiguration
  public let tags: TagVocabulary
  /// Training images get ALBEF's random resized crop and flip (real images only).
  public let augmentsImages: Bool
  /// Rows of the embedding table: the tokenizer's vocabulary, or more when the configuration pads.
  public let vocabularySize: Int
  /// D + 6: a region's feature followed by its box geometry.
  public let regionInputSize: Int
  public let trainIndices: [Int]
  public let testIndices: [Int]
  /// The test pairs evaluation scores: the world's correctly captioned ones, one pair per image
  /// for real data.
  public let cleanTestIndices: [Int]
  public let validationIndices: [Int]
  /// Training scenes by their objects, for CMCL's retrieved positives (world only).
  let sceneObjects: SceneObjectIndex

  /// `world`: a scene world to share (variants whose models differ read the same world); used
  /// only when it was built from `configuration.data.world`, otherwise a new one is built.
  /// `progress` hears how far preparing real images (the image cache) has come.
  public init(
    configuration: PretrainingConfiguration, world shared: SceneWorld? = nil,
    progress: CorpusProgress? = nil
  ) throws {
    if configuration.data.source == .world {
      if configuration.data.vocabulary != nil {
        throw DataError.invalidConfiguration(
          field: "data.vocabulary",
          reason: "the scene world has its own word vocabulary; remove the key, or train on "
            + "real captions (docs/data.md)")
      }
      let world: SceneWorld
      if let shared, shared.configuration == configuration.data.world {
        world = shared
      } else {
        world = try SceneWorld(configuration: configuration.data.world)
      }
      self.world = world
      corpus = world
      tokenizer = Tokenizer(vocabulary: world.vocabulary(), mode: .word)
      sceneObjects = SceneObjectIndex(world: world, indices: world.indices(of: .train))
    } else {
      let loaded = try CorpusLoader.load(
        configuration.data, imageSize: configuration.model.imageSize, progress: progress)
      world = nil
      corpus = loaded.corpus
      tokenizer = loaded.tokenizer
      sceneObjects = SceneObjectIndex()
    }
    try ObjectiveRequirements.check(configuration, corpus: corpus)
    model = configuration.model
    tags = configuration.data.tags
    augmentsImages = configuration.data.augmentation && corpus.features.contains(.pixels)
    let requested = configuration.model.vocabularySize
    guard requested == 0 || requested >= tokenizer.vocabulary.count else {
      throw DataError.invalidConfiguration(
        field: "model.vocabularySize",
        reason:
          "must be 0 or at least the vocabulary's \(tokenizer.vocabulary.count) tokens, got \(requested)"
      )
    }
    vocabularySize = max(requested, tokenizer.vocabulary.count)
    regionInputSize = corpus.regionFeatureDimension + 6
    trainIndices = corpus.indices(of: .train)
    testIndices = corpus.indices(of: .test)
    cleanTestIndices = corpus.scoredTestIndices
    validationIndices = corpus.indices(of: .validation)
  }

  public var vocabulary: Vocabulary { tokenizer.vocabulary }

  public func captionText(_ index: Int) -> String { corpus.caption(index) }

  public func tagText(_ index: Int) -> String { corpus.tagText(index, tags: tags) }

  /// (B, P, 3·p·p) pixel patches of the images, centred on 0 (value − 0.5). Patches are in
  /// row-major order; inside a patch, (y, x, channel). `augmentation` draws training crops.
  public func patches(_ indices: [Int], augmentation: RandomGenerator? = nil) throws -> Tensor {
    var augmentation = augmentation
    let (size, patch) = (model.imageSize, model.patchSize)
    let perSide = size / patch
    let values = model.patchValues
    var data = [Float](repeating: 0, count: indices.count * model.patchCount * values)
    for (b, index) in indices.enumerated() {
      let pixels = try corpus.image(index, size: size, augmentation: &augmentation).pixels
      for py in 0..<perSide {
        for px in 0..<perSide {
          var offset = (b * model.patchCount + py * perSide + px) * values
          for y in 0..<patch {
            let row = (py * patch + y) * size + px * patch
            for x in 0..<patch {
              for c in 0..<3 {
                data[offset] = pixels[(row + x) * 3 + c] - 0.5
                offset += 1
              }
            }
          }
        }
      }
    }
    return try Tensor(shape: [indices.count, model.patchCount, values], values: data)
  }

  /// (B, R, D + 6) region inputs, truncated or zero-padded to `maximumRegions`, with the mask
  /// (B, R) of real regions. An image with no region keeps one zero row unmasked so that
  /// attention always has a key.
  public func regions(_ indices: [Int]) throws -> (values: Tensor, mask: Tensor) {
    let (limit, width) = (model.maximumRegions, regionInputSize)
    var data = [Float](repeating: 0, count: indices.count * limit * width)
    var mask = [Float](repeating: 0, count: indices.count * limit)
    for (b, index) in indices.enumerated() {
      let regions = try corpus.regions(index, distributions: false)
      let count = min(limit, regions.count)
      let inputs = regions.inputs
      for r in 0..<count {
        let destination = (b * limit + r) * width
        for k in 0..<width { data[destination + k] = inputs[r * width + k] }
        mask[b * limit + r] = 1
      }
      if count == 0 { mask[b * limit] = 1 }
    }
    return (
      try Tensor(shape: [indices.count, limit, width], values: data),
      try Tensor(shape: [indices.count, limit], values: mask)
    )
  }

  /// The image inputs the configured encoder reads.
  public func imageInputs(_ indices: [Int], augmentation: RandomGenerator? = nil) throws
    -> ImageInputs
  {
    switch model.imageInput {
    case .patches:
      return ImageInputs(values: try patches(indices, augmentation: augmentation), mask: nil)
    case .regions:
      let (values, mask) = try regions(indices)
      return ImageInputs(values: values, mask: mask)
    }
  }
}

/// Token ids of a batch of texts padded to the longest, with the key mask (1 = token).
public struct TextInputs: Sendable {
  public var ids: IndexTensor  // (B, T)
  public var mask: Tensor  // (B, T)
  public var lengths: [Int]

  public init(sequences: [[Int]], padID: Int) throws {
    let length = sequences.map(\.count).max() ?? 0
    var ids = [Int](repeating: padID, count: sequences.count * length)
    var mask = [Float](repeating: 0, count: sequences.count * length)
    for (b, sequence) in sequences.enumerated() {
      for (t, id) in sequence.enumerated() {
        ids[b * length + t] = id
        mask[b * length + t] = 1
      }
    }
    self.ids = try IndexTensor(shape: [sequences.count, length], values: ids)
    self.mask = try Tensor(shape: [sequences.count, length], values: mask)
    lengths = sequences.map(\.count)
  }

  public var batchSize: Int { ids.shape[0] }
  public var length: Int { ids.shape[1] }
}
