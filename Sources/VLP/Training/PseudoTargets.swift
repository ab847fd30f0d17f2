import Foundation

/// A candidate with its probability: a token id or a pair index.
public struct RankedCandidate: Sendable, Equatable, Codable {
  /// Token id (masked positions) or pair index (texts; -1 for a queue slot that still holds its
  /// random initial feature).
  public var id: Int
  public var probability: Float
}

/// The momentum (teacher) model's view of a masked position of the current batch, beside the
/// student's (ALBEF Fig. 2's MLM row).
public struct MaskedPositionTargets: Sendable, Equatable {
  public var sample: Int  // row in the batch
  public var position: Int  // token position in the row
  public var truth: Int  // the original token id
  public var input: Int  // what the model saw ([MASK], a random id, or the truth)
  public var student: [RankedCandidate]
  /// Empty for a family without a momentum model (Oscar).
  public var teacher: [RankedCandidate]
}

/// For one image of the batch: the momentum model's top texts over batch + queue (Fig. 2's ITC row).
public struct ImageTextTargets: Sendable, Equatable {
  public var pairIndex: Int
  public var texts: [RankedCandidate]
}

/// ITM's negatives for one pair of the batch, by pair index: the image drawn for its text and
/// the text drawn for its image, each with the probability it had (nil where none was drawn).
public struct MatchingNegativeTargets: Sendable, Equatable {
  public var pairIndex: Int
  public var image: RankedCandidate?
  public var text: RankedCandidate?
}

/// Pseudo-targets of one training batch.
public struct PseudoTargets: Sendable, Equatable {
  public var pairIndices: [Int]
  public var maskedPositions: [MaskedPositionTargets]
  public var imageTexts: [ImageTextTargets]
  /// ITM's sampled negatives, in batch order (empty without ITM).
  public var matchingNegatives: [MatchingNegativeTargets] = []
}

enum TopK {
  /// The k largest entries of softmax(row) as (index, probability), ties broken by lower index.
  static func softmaxTop(_ row: ArraySlice<Float>, k: Int) -> [(index: Int, probability: Float)] {
    guard let maximum = row.max(), maximum.isFinite else { return [] }
    var sum = 0.0
    for value in row { sum += exp(Double(value - maximum)) }
    let base = row.startIndex
    let order = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
    return order.prefix(k).map {
      ($0 - base, Float(exp(Double(row[$0] - maximum)) / sum))
    }
  }
}
