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

  public var batchSize: Int { pairIndices.count }

  /// Which rows may not be each other's ITM negatives.
  public var duplicates: BatchDuplicates {
    BatchDuplicates(imageKeys: imageKeys, captionIDs: text.ids)
  }
}

/// Rows of a batch that show the same image, or whose captions are the same text: neither is a
/// negative of the other. Another caption of the same image (COCO has five) would be a false
/// negative, and so would another image with an identical caption; ALBEF's retrieval model
/// removes both through `idx` (ALBEF #108). The world's pairs are each their own image, so
/// there only the pair itself and identical captions count.
public struct BatchDuplicates: Sendable {
  let imageKeys: [Int]
  let captions: [[Int]]

  /// imageKeys: each row's image; captionIDs: (B, T) token ids, padded alike, so equal rows are
  /// equal captions.
  public init(imageKeys: [Int], captionIDs: IndexTensor) {
    self.imageKeys = imageKeys
    let length = captionIDs.shape[1]
    let ids = captionIDs.values
    captions = imageKeys.indices.map { Array(ids[$0 * length..<($0 + 1) * length]) }
  }

  public func isDuplicate(_ i: Int, _ j: Int) -> Bool {
    imageKeys[i] == imageKeys[j] || captions[i] == captions[j]
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
      image: try imageInputs(indices, augmentation: augmentation))
  }
}
