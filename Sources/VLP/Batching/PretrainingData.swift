import Tensor

/// The scene world prepared for a model: the tokenizer, every caption's ids, the tag text of each
/// pair in the session's tag set, and the image inputs the model reads (rendered patches or
/// detector regions), built on demand per batch.
public final class PretrainingData: Sendable {
  public let world: SceneWorld
  public let tokenizer: Tokenizer
  public let model: ModelConfiguration
  public let tags: TagVocabulary
  /// Rows of the embedding table: the tokenizer's vocabulary, or more when the configuration pads.
  public let vocabularySize: Int
  /// D + 6: a region's feature followed by its box geometry.
  public let regionInputSize: Int
  public let trainIndices: [Int]
  public let testIndices: [Int]
  /// The test pairs whose caption describes the scene correctly (what evaluation scores).
  public let cleanTestIndices: [Int]
  public let validationIndices: [Int]
  /// Training scenes by their objects, for CMCL's retrieved positives.
  let sceneObjects: SceneObjectIndex

  /// `world`: a scene world to share (variants whose models differ read the same world); used
  /// only when it was built from `configuration.data.world`, otherwise a new one is built.
  public init(configuration: PretrainingConfiguration, world shared: SceneWorld? = nil) throws {
    if configuration.data.vocabulary != nil {
      throw DataError.invalidConfiguration(
        field: "data.vocabulary",
        reason: "the scene world has its own word vocabulary; remove the key, or train on "
          + "real captions (docs/data.md)")
    }
    if let shared, shared.configuration == configuration.data.world {
      world = shared
    } else {
      world = try SceneWorld(configuration: configuration.data.world)
    }
    tokenizer = Tokenizer(vocabulary: world.vocabulary(), mode: .word)
    model = configuration.model
    tags = configuration.data.tags
    let requested = configuration.model.vocabularySize
    guard requested == 0 || requested >= tokenizer.vocabulary.count else {
      throw DataError.invalidConfiguration(
        field: "model.vocabularySize",
        reason:
          "must be 0 or at least the vocabulary's \(tokenizer.vocabulary.count) tokens, got \(requested)"
      )
    }
    vocabularySize = max(requested, tokenizer.vocabulary.count)
    regionInputSize = world.configuration.featureDimension + 6
    trainIndices = world.indices(of: .train)
    testIndices = world.indices(of: .test)
    let pairs = world.pairs
    cleanTestIndices = testIndices.filter { !pairs[$0].caption.noise.isNoisy }
    validationIndices = world.indices(of: .validation)
    sceneObjects = SceneObjectIndex(world: world, indices: trainIndices)
  }

  public var vocabulary: Vocabulary { tokenizer.vocabulary }

  public func captionText(_ index: Int) -> String { world.pairs[index].caption.text }

  public func tagText(_ index: Int) -> String { world.pairs[index].tagText(tags) }

  /// (B, P, 3·p·p) pixel patches of the rendered images, centred on 0 (value − 0.5). Patches are
  /// in row-major order; inside a patch, (y, x, channel).
  public func patches(_ indices: [Int]) throws -> Tensor {
    let (size, patch) = (model.imageSize, model.patchSize)
    let perSide = size / patch
    let values = model.patchValues
    var data = [Float](repeating: 0, count: indices.count * model.patchCount * values)
    for (b, index) in indices.enumerated() {
      let pixels = world.image(at: index, size: size).pixels
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
      let pair = world.pairs[index]
      let count = min(limit, pair.regionCount)
      let inputs = pair.regionInputs
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
  public func imageInputs(_ indices: [Int]) throws -> ImageInputs {
    switch model.imageInput {
    case .patches: return ImageInputs(values: try patches(indices), mask: nil)
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
