import NN
import Tensor

extension Pretrainer {
  /// The held-out pairs retrieval is scored on: the first `retrievalPairs` test pairs whose
  /// caption is correct. Training captions may be noisy (web alt-text); the benchmark is clean,
  /// as COCO and Flickr30K are for models pretrained on web data, so a wrong caption never
  /// counts against a model that ranked it low.
  public var retrievalIndices: [Int] {
    Array(data.cleanTestIndices.prefix(configuration.evaluation.retrievalPairs))
  }

  /// The held-out pairs the accuracies are measured on (clean captions, as retrieval).
  public var accuracyIndices: [Int] {
    Array(data.cleanTestIndices.prefix(configuration.evaluation.accuracyPairs))
  }

  /// Scores the current weights on the test split (no dropout, fixed masks and negatives, so two
  /// evaluations of the same weights agree exactly).
  public func evaluate() throws -> EvaluationReport {
    try noGrad {
      switch family {
      case .albef: try evaluateALBEF()
      case .oscar: try evaluateOscar()
      }
    }
  }

  /// Texts count as correct for an image when they are its caption or an identical one.
  func captionsMatch(_ indices: [Int]) -> (Int, Int) -> Bool {
    let captions = indices.map(data.captionText)
    return { image, text in captions[image] == captions[text] }
  }

  var evaluationSeed: UInt64 { StreamSeed.derive(configuration.seed, stream: .evaluation, index: 0) }

  /// Splits 0..<count into chunks of at most `size`.
  static func chunks(_ count: Int, size: Int) -> [Range<Int>] {
    stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
  }
}
