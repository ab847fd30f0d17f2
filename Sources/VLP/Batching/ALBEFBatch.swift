import Tensor

/// One ALBEF training batch: the pairs, their captions as `[CLS] caption [SEP]`, the same ids
/// after MLM masking, and the image inputs.
public struct ALBEFBatch: Sendable {
  public var pairIndices: [Int]
  /// The image of each row (`PretrainingCorpus.imageKey`): COCO's five captions of one image
  /// share it; every world pair is its own image.
  public var imageKeys: [Int]
  public var text: TextInputs
  public var masked: MaskedTokens
  public var maskedIDs: IndexTensor  // (B, T)
  public var image: ImageInputs
  /// On the scene world, the objects each row's scene shows; nil for real data.
  public var sceneContents: [SceneContent]? = nil

  public var batchSize: Int { pairIndices.count }

  /// Which rows may not be each other's ITM negatives.
  public var duplicates: BatchDuplicates {
    BatchDuplicates(imageKeys: imageKeys, captionIDs: text.ids, sceneContents: sceneContents)
  }
}

/// Rows of a batch that show the same image, or whose captions are the same text: neither is a
/// negative of the other. Another caption of the same image (COCO has five) would be a false
/// negative, and so would another image with an identical caption; ALBEF's retrieval model
/// removes both through `idx` (ALBEF #108). The world's pairs are each their own image, but
/// two scenes often show the same objects (the same classes and colours, elsewhere in the
/// picture): each one's caption then describes the other too, so they are duplicates as well
/// (docs/objectives.md, "ITM"; measured in docs/experiments.md).
public struct BatchDuplicates: Sendable {
  let imageKeys: [Int]
  let captions: [[Int]]
  let sceneContents: [SceneContent]?

  /// imageKeys: each row's image; captionIDs: (B, T) token ids, padded alike, so equal rows are
  /// equal captions; sceneContents: the world's scenes (nil for real data).
  public init(imageKeys: [Int], captionIDs: IndexTensor, sceneContents: [SceneContent]? = nil) {
    self.imageKeys = imageKeys
    let length = captionIDs.shape[1]
    let ids = captionIDs.values
    captions = imageKeys.indices.map { Array(ids[$0 * length..<($0 + 1) * length]) }
    self.sceneContents = sceneContents
  }

  public func isDuplicate(_ i: Int, _ j: Int) -> Bool {
    isSameImageOrCaption(i, j) || isSameSceneContent(i, j)
  }

  /// The rule before scene contents counted: the same image, or the same caption text.
  public func isSameImageOrCaption(_ i: Int, _ j: Int) -> Bool {
    imageKeys[i] == imageKeys[j] || captions[i] == captions[j]
  }

  /// Two world scenes that show the same objects; false for real data.
  public func isSameSceneContent(_ i: Int, _ j: Int) -> Bool {
    guard let sceneContents else { return false }
    return sceneContents[i] == sceneContents[j]
  }

  /// How many objects the scenes of rows i and j differ by (`SceneContent.difference`); nil
  /// for real data.
  public func sceneDifference(_ i: Int, _ j: Int) -> Int? {
    sceneContents.map { $0[i].difference(from: $0[j]) }
  }
}

extension PretrainingData {
  /// `[CLS] caption [SEP]` ids for each pair, truncated to the model's text length.
  public func captionSequences(_ indices: [Int], captions: [String]? = nil) -> [[Int]] {
    indices.enumerated().map { offset, index in
      tokenizer.encodePair(
        captions?[offset] ?? captionText(index), maximumLength: model.maximumTextLength
      ).ids
    }
  }

  /// Builds the batch; masking draws from `random`.
  public func albefBatch(
    _ indices: [Int], maskProbability: Float, random: inout RandomGenerator
  ) throws -> ALBEFBatch {
    // Drawn first and only when augmenting, so that the world's masking stream is unchanged.
    let augmentation = augmentsImages ? random.fork() : nil
    let text = try TextInputs(sequences: captionSequences(indices), padID: vocabulary.padID)
    let ids = text.ids.values
    let length = text.length
    let (pad, cls) = (vocabulary.padID, vocabulary.classID)
    let masked = TokenMasking.mask(
      ids: ids, maskable: { ids[$0] != pad && ids[$0] != cls },
      continuesWord: { vocabulary.continuesWord(ids[$0]) }, probability: maskProbability,
      maskID: vocabulary.maskID, vocabularySize: vocabularySize, random: &random)
    return ALBEFBatch(
      pairIndices: indices, imageKeys: indices.map(corpus.imageKey), text: text, masked: masked,
      maskedIDs: try IndexTensor(shape: [indices.count, length], values: masked.ids),
      image: try imageInputs(indices, augmentation: augmentation),
      sceneContents: world.map { world in indices.map { SceneContent(world.pairs[$0].scene) } })
  }
}
