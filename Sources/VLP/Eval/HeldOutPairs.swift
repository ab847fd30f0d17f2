import NN
import Tensor

/// The held-out pairs that evaluation and the probes read, chosen from the test split by the
/// session's evaluation settings.
struct HeldOutPairs {
  let data: PretrainingData
  let configuration: PretrainingConfiguration

  /// The pairs retrieval is scored on: the first `retrievalPairs` test pairs whose caption is
  /// correct. Training captions may be noisy (web alt-text); the benchmark is clean, as COCO and
  /// Flickr30K are for models pretrained on web data, so a wrong caption never counts against
  /// a model that ranked it low.
  var retrievalIndices: [Int] {
    Array(data.cleanTestIndices.prefix(configuration.evaluation.retrievalPairs))
  }

  /// The pairs the accuracies are measured on (clean captions, as retrieval).
  var accuracyIndices: [Int] {
    Array(data.cleanTestIndices.prefix(configuration.evaluation.accuracyPairs))
  }

  /// Texts count as correct for an image when they are its caption or an identical one.
  func captionsMatch(_ indices: [Int]) -> (Int, Int) -> Bool {
    let captions = indices.map(data.captionText)
    return { image, text in captions[image] == captions[text] }
  }

  /// Evaluation's fixed masks, pollution and negatives, so that two evaluations of the same
  /// weights agree exactly.
  var evaluationSeed: UInt64 {
    StreamSeed.derive(configuration.seed, stream: .evaluation, index: 0)
  }
}

/// Splits 0..<count into chunks of at most `size` (batches of inference).
func chunkRanges(_ count: Int, size: Int) -> [Range<Int>] {
  stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
}
