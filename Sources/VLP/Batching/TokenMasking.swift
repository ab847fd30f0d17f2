import Tensor

/// A batch of token ids after BERT masking, with what the loss needs: the flat positions
/// (b·T + t) that were chosen and their original ids.
public struct MaskedTokens: Sendable, Equatable {
  /// (B·T) ids with [MASK], random or unchanged tokens at the chosen positions.
  public var ids: [Int]
  public var positions: [Int]
  public var targets: [Int]
}

/// BERT / ALBEF masking over whole words: every maskable word is chosen with probability p, and
/// all its pieces (a token and the `##` pieces after it, `continuesWord`) are predicted together,
/// as BERT's whole-word masking does. Each chosen piece becomes [MASK] with probability 0.8, else
/// a uniformly random vocabulary id with probability 0.5 (10% overall), else stays (10%): the
/// 80/10/10 draw is made per piece, as google-research/bert's create_pretraining_data.py and
/// HuggingFace's DataCollatorForWholeWordMask make it. So on average p of the pieces are masked,
/// the pieces being what the reference counts. Which positions are maskable is the caller's rule:
/// ALBEF never masks [PAD] or [CLS] ([SEP] may be masked); Oscar masks words and tags only. There
/// is no "at least one" guarantee, as in the official code; a batch without masks gives a zero
/// loss. Draws: one per word (chosen), then three per piece (mask, random, random id), always,
/// so the stream does not depend on the outcomes; where every word is one token (the scene
/// world's word vocabulary) this is the per-token stream of before, draw for draw.
public enum TokenMasking {
  public static func mask(
    ids: [Int], maskable: (Int) -> Bool, continuesWord: (Int) -> Bool = { _ in false },
    probability: Float, maskID: Int, vocabularySize: Int, random: inout RandomGenerator
  ) -> MaskedTokens {
    var result = MaskedTokens(ids: ids, positions: [], targets: [])
    var start = 0
    while start < ids.count {
      guard maskable(start) else {
        start += 1
        continue
      }
      var end = start + 1
      while end < ids.count, maskable(end), continuesWord(end) { end += 1 }
      let choose = random.nextFloat() < probability
      for position in start..<end {
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
      start = end
    }
    return result
  }
}
