import Foundation
import NN
import Tensor

/// ALBEF's image-text matching with in-batch hard negatives (models/model_pretrain.py), with
/// LAVIS's −inf masking of the positive instead of ALBEF's ineffective "+1e-4".
/// See docs/objectives.md.
public enum ImageTextMatching {
  static let objective = "ITM"

  /// Row i: the probabilities of drawing column j as i's negative over the allowed columns:
  /// for `.hard`, softmax of similarity[i][j] (pass the student ITC logits sim/temp of the batch
  /// columns, as ALBEF does); for `.random`, uniform; for `.mixed`, the mean of the two.
  /// Column j is excluded when j == i or `excluded(i, j)` (duplicates of the same image or
  /// caption); excluded columns get exactly 0.
  ///
  /// Computed in Double with max-subtraction. Non-finite similarities never poison a row:
  /// - no allowed column (batch size 1): the row is all zeros and `sampleIndex` returns nil;
  /// - some allowed value is +inf: uniform over those columns (the softmax's limit);
  /// - NaN counts as the lowest finite allowed value of the row, −inf gets weight 0;
  /// - nothing finite (all NaN or −inf): uniform over the allowed columns.
  /// similarity: (B, B) row-major.
  public static func negativeWeights(
    similarity: [Float], batchSize: Int, excluded: (Int, Int) -> Bool,
    sampling: NegativeSampling = .hard
  ) -> [[Double]] {
    precondition(
      similarity.count == batchSize * batchSize,
      "negativeWeights: \(similarity.count) similarities for a batch of \(batchSize)")
    return (0..<batchSize).map { i in
      let allowed = (0..<batchSize).filter { j in j != i && !excluded(i, j) }
      let uniform = 1 / Double(max(allowed.count, 1))
      let hard: [Double] =
        sampling == .random
        ? [] : rowWeights(allowed.map { Double(similarity[i * batchSize + $0]) })
      var weights = [Double](repeating: 0, count: batchSize)
      for (k, j) in allowed.enumerated() {
        switch sampling {
        case .hard: weights[j] = hard[k]
        case .random: weights[j] = uniform
        case .mixed: weights[j] = 0.5 * hard[k] + 0.5 * uniform
        }
      }
      return weights
    }
  }

  /// A distribution over the allowed values of one row (see `negativeWeights`).
  private static func rowWeights(_ values: [Double]) -> [Double] {
    guard !values.isEmpty else { return [] }
    let infinite = values.filter { $0 == .infinity }.count
    if infinite > 0 { return values.map { $0 == .infinity ? 1 / Double(infinite) : 0 } }
    let finite = values.filter(\.isFinite)
    guard let lowest = finite.min(), let highest = finite.max() else {
      return [Double](repeating: 1 / Double(values.count), count: values.count)
    }
    let exponentials = values.map { v -> Double in
      if v == -.infinity { return 0 }
      return Foundation.exp((v.isNaN ? lowest : v) - highest)
    }
    let total = exponentials.reduce(0, +)  // ≥ 1: the maximum contributes e^0
    return exponentials.map { $0 / total }
  }

  /// ALBEF's in-batch hard negatives: for every text b an image drawn from its row of
  /// `negativeWeights(textToImage)`, then for every image b a text drawn from its row of
  /// `negativeWeights(imageToText)` (both (B, B) row-major, the student's sim / τ over the batch
  /// columns). Rows with nothing allowed give no negative. Returns (text, image) pairs, the
  /// image negatives first.
  public static func hardNegatives(
    textToImage: [Float], imageToText: [Float], batchSize b: Int, excluded: (Int, Int) -> Bool,
    random: inout RandomGenerator
  ) -> [(text: Int, image: Int)] {
    negatives(
      textToImage: textToImage, imageToText: imageToText, batchSize: b, excluded: excluded,
      sampling: .hard, random: &random
    ).map { ($0.text, $0.image) }
  }

  /// `hardNegatives` for any `sampling`, each negative with the probability it was drawn with
  /// (one `random.nextDouble()` a row, whatever the sampling).
  public static func negatives(
    textToImage: [Float], imageToText: [Float], batchSize b: Int, excluded: (Int, Int) -> Bool,
    sampling: NegativeSampling, random: inout RandomGenerator
  ) -> [MatchingNegative] {
    let imageWeights = negativeWeights(
      similarity: textToImage, batchSize: b, excluded: excluded, sampling: sampling)
    let textWeights = negativeWeights(
      similarity: imageToText, batchSize: b, excluded: excluded, sampling: sampling)
    var negatives: [MatchingNegative] = []
    for t in 0..<b {
      if let i = sampleIndex(imageWeights[t], random: &random) {
        negatives.append(
          MatchingNegative(text: t, image: i, imageForText: true, probability: imageWeights[t][i]))
      }
    }
    for i in 0..<b {
      if let t = sampleIndex(textWeights[i], random: &random) {
        negatives.append(
          MatchingNegative(text: t, image: i, imageForText: false, probability: textWeights[i][t]))
      }
    }
    return negatives
  }

  /// One index drawn from `weights` by inverse CDF with exactly one `random.nextDouble()` (also
  /// for an all-zero row, so the stream advances the same whatever the values). Never returns
  /// a column of weight 0; nil when no weight is positive.
  public static func sampleIndex(_ weights: [Double], random: inout RandomGenerator) -> Int? {
    let u = random.nextDouble()
    let total = weights.reduce(0) { $0 + ($1 > 0 && $1.isFinite ? $1 : 0) }
    guard total > 0, total.isFinite else { return nil }
    let threshold = u * total
    var cumulative = 0.0
    var lastPositive: Int?
    for (j, w) in weights.enumerated() where w > 0 && w.isFinite {
      cumulative += w
      lastPositive = j
      if threshold < cumulative { return j }
    }
    return lastPositive  // rounding left the threshold at the very top
  }

  /// Plain mean cross-entropy over ITM logits (M, 2); labels 1 = matched, 0 = not (ALBEF's
  /// 1:2 batch: [1] * B + [0] * 2B). M = 0 gives 0 with a zero gradient.
  public static func loss(logits: Tensor, labels: [Int]) throws -> Tensor {
    guard logits.rank == 2, logits.shape[1] == 2 else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "logits \(logits.shape) must have shape (M, 2): (not matched, matched) per pair")
    }
    guard labels.count == logits.shape[0] else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail:
          "logits \(logits.shape) are for \(logits.shape[0]) pairs, got \(labels.count) labels")
    }
    if let position = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw ObjectiveError.invalidValue(
        objective: objective,
        detail:
          "label \(labels[position]) at pair \(position) must be 0 (not matched) or 1 (matched)")
    }
    if labels.isEmpty { return logits.sum() * 0 }
    return try Tensor.crossEntropy(logits: logits, targets: IndexTensor(labels), ignoreIndex: -1)
  }
}

extension ImageTextMatching {
  /// The pairs of ALBEF's ITM pass through the fusion encoder: the B positives, then for each
  /// text a hard-negative image and for each image a hard-negative text (`hardNegatives`), so a
  /// batch of B gives 3B pairs at 1:2. WRA reads the same pairs.
  struct FusedPairs {
    /// (P, T, d) fusion output of each pair's text positions; (P, 1, d), the [CLS] alone, when
    /// only ITM reads it.
    var fused: Tensor
    /// 1 for the B positives, 0 for the negatives.
    var labels: [Int]
    /// (P, T) the text mask of each pair.
    var textMask: Tensor
    /// (P, 1 + N, d) the image tokens of each pair ([CLS] first) and their mask.
    var imageTokens: Tensor
    var imageMask: Tensor?
    /// The negatives drawn (batch rows), in the order of their pairs after the positives.
    var negatives: [MatchingNegative]
    /// How those negatives relate to their positives (scene world only).
    var audit: NegativeAudit?
  }

  /// Draws the negatives from the student's ITC logits of the batch columns (as ALBEF) and
  /// fuses every pair.
  static func fusedPairs(
    model: ALBEFModel, textHidden: Tensor, textMask: Tensor, imageTokens: Tensor,
    imageMask: Tensor?, contrastive: ContrastiveOutput, duplicates: BatchDuplicates,
    sampling: NegativeSampling, batchSize b: Int, firstTokenOnly: Bool = false,
    context: ForwardContext, random: inout RandomGenerator
  ) throws -> FusedPairs {
    func batchColumns(_ logits: Tensor) -> [Float] {
      let (rows, columns) = (logits.shape[0], logits.shape[1])
      let values = logits.scalars
      return (0..<rows).flatMap { r in values[r * columns..<r * columns + b] }
    }
    let (textToImage, imageToText) = (
      batchColumns(contrastive.textToImage), batchColumns(contrastive.imageToText)
    )
    let negatives = Self.negatives(
      textToImage: textToImage, imageToText: imageToText, batchSize: b,
      excluded: duplicates.isDuplicate, sampling: sampling, random: &random)
    let audit = NegativeAudit(
      negatives, textToImage: textToImage, imageToText: imageToText, batchSize: b,
      duplicates: duplicates, sampling: sampling)
    let rows = (0..<b).map { ($0, $0) } + negatives.map { ($0.text, $0.image) }
    let textRows = IndexTensor(rows.map(\.0))
    let imageRows = IndexTensor(rows.map(\.1))
    let pairTextMask = try textMask.indexSelected(axis: 0, indices: textRows)
    let pairImage = try imageTokens.indexSelected(axis: 0, indices: imageRows)
    let pairImageMask = try imageMask?.indexSelected(axis: 0, indices: imageRows)
    let fused = try model.fuse(
      text: textHidden.indexSelected(axis: 0, indices: textRows), textMask: pairTextMask,
      image: pairImage, imageMask: pairImageMask,
      outputPositions: firstTokenOnly ? try .firstTokens(rows.count) : nil,
      context: context)
    let labels = Array(repeating: 1, count: b) + Array(repeating: 0, count: negatives.count)
    return FusedPairs(
      fused: fused, labels: labels, textMask: pairTextMask, imageTokens: pairImage,
      imageMask: pairImageMask, negatives: negatives, audit: audit)
  }
}
