import Tensor

/// How a sample's text was polluted for Oscar's contrastive loss.
public enum Pollution: String, Sendable, Codable {
  /// The matched triple (label 0).
  case none
  /// text_b replaced by another image's tags (label 1).
  case foreignTags
  /// text_b replaced by another image's caption (label 1; vanilla Oscar's textb_sample_mode 0).
  case foreignCaption
  /// text_a replaced by another image's caption: when there are no tags to replace, or with
  /// Oscar+'s caption pollution (label: the last class, 1 of 2 or 2 of 3).
  case foreignTextA

  /// Classes of the polluted-tag head: matched and polluted (vanilla Oscar), plus a polluted
  /// caption class when captions are polluted on their own (Oscar+).
  public static func classes(captionPollution: Float) -> Int { captionPollution > 0 ? 3 : 2 }

  /// The class of the polluted-tag head for a head of `classes` (2 vanilla, 3 Oscar+).
  public func label(classes: Int) -> Int {
    switch self {
    case .none: 0
    case .foreignTags, .foreignCaption: 1
    case .foreignTextA: classes - 1
    }
  }
}

/// What the tag share of Oscar's pollution does to a sample that has no tags to pollute.
public enum UntaggedPollution: String, Sendable, Equatable, CaseIterable, Codable {
  /// Oscar's code: the caption (text_a) is replaced instead, so a tag-free sample is polluted at
  /// the full pollution rate, and a run without tags sees every polluted sample as a caption swap.
  case caption
  /// The sample stays matched: every run swaps captions at `captionPollutionProbability` alone,
  /// with or without tags, and tag pollution comes on top only where there are tags (the fair
  /// tag study, docs/experiments.md).
  case matched
}

/// One Oscar batch: `[CLS] a [SEP] b [SEP]` (segments 0 / 1) with words and tags masked, the
/// regions and their mask, and the polluted-tag labels.
public struct OscarBatch: Sendable {
  public var pairIndices: [Int]
  public var text: TextInputs
  public var segments: IndexTensor  // (B, T)
  public var masked: MaskedTokens  // positions are b·T + t
  public var maskedIDs: IndexTensor
  public var regions: Tensor  // (B, R, D + 6)
  public var regionMask: Tensor  // (B, R)
  public var pollution: [Pollution]
  /// Classes of the polluted-tag head the labels are for.
  public var pollutionClasses: Int

  public var batchSize: Int { pairIndices.count }
  public var labels: [Int] { pollution.map { $0.label(classes: pollutionClasses) } }
  /// Masked positions in the flat (B·(T + R)) layout of the encoder's output.
  public var sequencePositions: [Int] {
    let (t, r) = (text.length, regions.shape[1])
    return masked.positions.map { ($0 / t) * (t + r) + $0 % t }
  }
}

extension PretrainingData {
  /// Oscar's `random_sent`: with probability `pollution` the sample is polluted by a random other
  /// pair from `source`. With probability `captionPollution` (Oscar+'s texta_false_prob, part
  /// of `pollution`), or whenever the sample has no tags, that pair's caption replaces text_a;
  /// otherwise its tags or its caption replace text_b (uniformly). With `untagged` `.matched`
  /// a sample without tags is polluted only by the caption share and otherwise stays matched
  /// (the same draws either way). Then `random_word` masks words and tags.
  public func oscarBatch(
    _ indices: [Int], pollution probability: Float, captionPollution: Float = 0,
    untagged: UntaggedPollution = .caption, maskProbability: Float, source: [Int], random: inout RandomGenerator,
    texts: [(a: String, b: String)]? = nil
  ) throws -> OscarBatch {
    var sequences: [[Int]] = []
    var segmentRows: [[Int]] = []
    var pollution: [Pollution] = []
    for (offset, index) in indices.enumerated() {
      var a = texts?[offset].a ?? captionText(index)
      var b = texts?[offset].b ?? tagText(index)
      let draw = random.nextFloat()
      var position = random.nextInt(below: source.count)
      if source[position] == index { position = (position + 1) % source.count }
      let other = source[position]
      let takeTags = random.nextFloat() < 0.5
      var kind = Pollution.none
      if draw < probability {
        if draw >= captionPollution && !b.isEmpty {
          kind = takeTags ? .foreignTags : .foreignCaption
          b = takeTags ? tagText(other) : captionText(other)
        } else if draw < captionPollution || untagged == .caption {
          kind = .foreignTextA
          a = captionText(other)
        }
      }
      let encoded = tokenizer.encodePair(a, b.isEmpty ? nil : b, maximumLength: model.maximumTextLength)
      sequences.append(encoded.ids)
      segmentRows.append(encoded.segments)
      pollution.append(kind)
    }
    let text = try TextInputs(sequences: sequences, padID: vocabulary.padID)
    let length = text.length
    var segments = [Int](repeating: 0, count: indices.count * length)
    for (b, row) in segmentRows.enumerated() {
      for (t, s) in row.enumerated() { segments[b * length + t] = s }
    }
    let ids = text.ids.values
    let special = vocabulary.specialIDs
    let masked = TokenMasking.mask(
      ids: ids, maskable: { !special.contains(ids[$0]) },
      continuesWord: { vocabulary.continuesWord(ids[$0]) }, probability: maskProbability,
      maskID: vocabulary.maskID, vocabularySize: vocabularySize, random: &random)
    let (regionValues, regionMask) = try regions(indices)
    return OscarBatch(
      pairIndices: indices, text: text,
      segments: try IndexTensor(shape: [indices.count, length], values: segments), masked: masked,
      maskedIDs: try IndexTensor(shape: [indices.count, length], values: masked.ids),
      regions: regionValues, regionMask: regionMask, pollution: pollution,
      pollutionClasses: Pollution.classes(captionPollution: captionPollution))
  }
}
