/// Recall at 1, 5 and 10 in both directions.
public struct RetrievalScores: Sendable, Equatable, Codable {
  public var imageToText: [Float]  // R@1, R@5, R@10
  public var textToImage: [Float]

  public static let cutoffs = [1, 5, 10]

  /// The mean of the six recalls (the "RSUM / 6" used to pick a best checkpoint).
  public var meanRecall: Float { (imageToText + textToImage).reduce(0, +) / 6 }
}

/// Retrieval recall from a score matrix: rows are images, columns texts, higher is better.
public enum RetrievalMetrics {
  /// `isMatch(image, text)` says which texts are correct for an image (its own caption, and any
  /// other text identical to it). A query's rank is the number of candidates scored above its best
  /// correct candidate, ties counted against it (so constant scores give chance, not perfection).
  public static func compute(
    scores: [Float], count: Int, isMatch: (Int, Int) -> Bool
  ) -> RetrievalScores {
    compute(imageToText: scores, textToImage: scores, count: count, isMatch: isMatch)
  }

  /// With separate score matrices for image queries (rows) and text queries (columns), as after
  /// ITM re-ranking of each direction's top k.
  public static func compute(
    imageToText: [Float], textToImage: [Float], count: Int, isMatch: (Int, Int) -> Bool
  ) -> RetrievalScores {
    precondition(imageToText.count == count * count && textToImage.count == count * count)
    var imageRanks: [Int] = []
    var textRanks: [Int] = []
    for image in 0..<count {
      let row = (0..<count).map { imageToText[image * count + $0] }
      imageRanks.append(rank(row) { isMatch(image, $0) })
    }
    for text in 0..<count {
      let column = (0..<count).map { textToImage[$0 * count + text] }
      textRanks.append(rank(column) { isMatch($0, text) })
    }
    return RetrievalScores(
      imageToText: RetrievalScores.cutoffs.map { recall(imageRanks, $0) },
      textToImage: RetrievalScores.cutoffs.map { recall(textRanks, $0) })
  }

  /// 0-based rank of the best correct candidate; NaN scores rank last.
  static func rank(_ scores: [Float], isCorrect: (Int) -> Bool) -> Int {
    func key(_ value: Float) -> Float { value.isNaN ? -.infinity : value }
    var best = -Float.infinity
    var found = false
    for (index, value) in scores.enumerated() where isCorrect(index) {
      best = found ? max(best, key(value)) : key(value)
      found = true
    }
    guard found else { return scores.count }
    var above = 0
    for (index, value) in scores.enumerated() where !isCorrect(index) && key(value) >= best {
      above += 1
    }
    return above
  }

  static func recall(_ ranks: [Int], _ k: Int) -> Float {
    guard !ranks.isEmpty else { return 0 }
    return Float(ranks.filter { $0 < k }.count) / Float(ranks.count)
  }
}

/// Held-out scores of one variant at one step.
public struct EvaluationReport: Sendable, Equatable, Codable {
  public var step: Int
  public var retrievalPairs: Int
  public var retrieval: RetrievalScores
  /// "itc" or "itc+itm(k)" for ALBEF, "matching" for Oscar.
  public var retrievalScore: String
  public var mlmTop1: Float
  public var mlmTop5: Float
  public var itmAccuracy: Float?
  public var pollutedTagAccuracy: Float?
  /// When ITM re-ranked the retrieval: the same model's scores by ITC alone (`itc_i2t_r1`, ...),
  /// so one evaluation shows what re-ranking changed.
  public var contrastiveRetrieval: RetrievalScores? = nil
  /// kNN class purity of region and word features (only with `evaluation.purityNeighbours` > 0).
  public var classPurity: ClassPurity? = nil

  /// Every number by name, for tables and logs.
  public var metrics: [NamedValue] {
    var values: [NamedValue] = []
    for (k, value) in zip(RetrievalScores.cutoffs, retrieval.imageToText) {
      values.append(NamedValue("i2t_r\(k)", value))
    }
    for (k, value) in zip(RetrievalScores.cutoffs, retrieval.textToImage) {
      values.append(NamedValue("t2i_r\(k)", value))
    }
    values += [NamedValue("mlm_top1", mlmTop1), NamedValue("mlm_top5", mlmTop5)]
    if let itmAccuracy { values.append(NamedValue("itm_accuracy", itmAccuracy)) }
    if let pollutedTagAccuracy { values.append(NamedValue("polluted_accuracy", pollutedTagAccuracy)) }
    if let contrastiveRetrieval {
      for (direction, scores) in [("i2t", contrastiveRetrieval.imageToText), ("t2i", contrastiveRetrieval.textToImage)] {
        for (k, value) in zip(RetrievalScores.cutoffs, scores) {
          values.append(NamedValue("itc_\(direction)_r\(k)", value))
        }
      }
    }
    if let classPurity { values += classPurity.metrics }
    return values
  }
}

/// Top-1 and top-5 accuracy of logits (N, V) against targets.
enum TokenAccuracy {
  static func counts(logits: [Float], classes: Int, targets: [Int]) -> (top1: Int, top5: Int) {
    var (top1, top5) = (0, 0)
    for (n, target) in targets.enumerated() {
      let row = logits[n * classes..<(n + 1) * classes]
      let truth = row[n * classes + target]
      // Rank = entries strictly above the truth, plus equal ones before it (deterministic ties).
      var above = 0
      for (offset, value) in row.enumerated()
      where value > truth || (value == truth && offset < target) {
        above += 1
      }
      if above == 0 { top1 += 1 }
      if above < 5 { top5 += 1 }
    }
    return (top1, top5)
  }
}
