import Tensor

/// Reads the pseudo-targets of a batch out of logits the step computed anyway.
enum PseudoTargetCapture {
  static let count = 5

  /// Student and teacher top-5 at every masked position. Logits (N, V) in the order of
  /// `masked.positions` (flat b·T + t). Without a teacher (Oscar keeps no momentum model) the
  /// teacher lists stay empty.
  static func maskedPositions(
    student: Tensor, teacher: Tensor?, masked: MaskedTokens, length: Int
  ) -> [MaskedPositionTargets] {
    let vocabulary = student.shape[1]
    let (studentValues, teacherValues) = (student.scalars, teacher?.scalars)
    return masked.positions.enumerated().map { n, flat in
      let range = n * vocabulary..<(n + 1) * vocabulary
      return MaskedPositionTargets(
        sample: flat / length, position: flat % length, truth: masked.targets[n],
        input: masked.ids[flat],
        student: TopK.softmaxTop(studentValues[range], k: count).map {
          RankedCandidate(id: $0.index, probability: $0.probability)
        },
        teacher: teacherValues.map { values in
          TopK.softmaxTop(values[range], k: count).map {
            RankedCandidate(id: $0.index, probability: $0.probability)
          }
        } ?? [])
    }
  }

  /// For each image, the top-5 of softmax over [batch texts; queue texts] of the momentum
  /// image-to-text logits (B, B + Q), named by pair index.
  static func imageTexts(
    momentumImageToText logits: Tensor, pairIndices: [Int], queueIndices: [Int]
  ) -> [ImageTextTargets] {
    let columns = logits.shape[1]
    let values = logits.scalars
    let names = pairIndices + queueIndices
    return pairIndices.enumerated().map { row, pair in
      let top = TopK.softmaxTop(values[row * columns..<(row + 1) * columns], k: count)
      return ImageTextTargets(
        pairIndex: pair,
        texts: top.map { RankedCandidate(id: names[$0.index], probability: $0.probability) })
    }
  }

  /// The drawn ITM negatives of each row, as pair indices.
  static func matchingNegatives(_ negatives: [MatchingNegative], pairIndices: [Int])
    -> [MatchingNegativeTargets]
  {
    var targets = pairIndices.map { MatchingNegativeTargets(pairIndex: $0) }
    for negative in negatives {
      if negative.imageForText {
        targets[negative.text].image = RankedCandidate(
          id: pairIndices[negative.image], probability: Float(negative.probability))
      } else {
        targets[negative.image].text = RankedCandidate(
          id: pairIndices[negative.text], probability: Float(negative.probability))
      }
    }
    return targets
  }
}
