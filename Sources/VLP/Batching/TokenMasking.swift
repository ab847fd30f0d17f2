import Tensor

/// A batch of token ids after BERT masking, with what the loss needs: the flat positions
/// (b·T + t) that were chosen and their original ids.
public struct MaskedTokens: Sendable, Equatable {
  /// (B·T) ids with [MASK], random or unchanged tokens at the chosen positions.
  public var ids: [Int]
  public var positions: [Int]
  public var targets: [Int]
}

/// BERT / ALBEF masking: every maskable position is chosen with probability p; a chosen token
/// becomes [MASK] with probability 0.8, else a uniformly random vocabulary id with probability
/// 0.5 (10% overall), else stays (10%). Which positions are maskable is the caller's rule: ALBEF
/// never masks [PAD] or [CLS] ([SEP] may be masked); Oscar masks words and tags only. There is no
/// "at least one" guarantee, as in the official code; a batch without masks gives a zero loss.
/// Three draws per maskable position, always, so the stream does not depend on the outcomes.
public enum TokenMasking {
  public static func mask(
    ids: [Int], maskable: (Int) -> Bool, probability: Float, maskID: Int, vocabularySize: Int,
    random: inout RandomGenerator
  ) -> MaskedTokens {
    var result = MaskedTokens(ids: ids, positions: [], targets: [])
    for position in ids.indices where maskable(position) {
      let choose = random.nextFloat() < probability
      let useMask = random.nextFloat() < 0.8
      let useRandom = random.nextFloat() < 0.5
      let randomID = random.nextInt(below: vocabularySize)
      guard choose else { continue }
      result.positions.append(position)
      result.targets.append(ids[position])
      if useMask {
        result.ids[position] = maskID
      } else if useRandom {
        result.ids[position] = randomID
      }
    }
    return result
  }
}
