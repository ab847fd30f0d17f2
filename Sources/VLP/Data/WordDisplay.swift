/// What screens and commands show of a token sequence: words, not pieces (`play ##ing` →
/// `playing`), with a word whose pieces were masked shown as one masked word. With the scene
/// world's word vocabulary every token is a word and nothing changes.
public enum WordDisplay {
  /// The token ranges of the words of `tokens`: a token and the `##` pieces after it.
  public static func spans(_ tokens: [String]) -> [Range<Int>] {
    var spans: [Range<Int>] = []
    for (index, token) in tokens.enumerated() {
      if isContinuation(token), let last = spans.popLast() {
        spans.append(last.lowerBound..<index + 1)
      } else {
        spans.append(index..<index + 1)
      }
    }
    return spans
  }

  /// Words of `tokens`; a word with any position in `masked` shows as `maskText` once.
  public static func words(
    _ tokens: [String], masked: Set<Int> = [], maskText: String = Vocabulary.maskToken
  ) -> [String] {
    spans(tokens).map { span in
      span.contains(where: masked.contains) ? maskText : join(tokens[span])
    }
  }

  /// Pieces of one word joined: `play`, `##ing` → `playing`.
  public static func join(_ pieces: some Collection<String>) -> String {
    var word = ""
    for piece in pieces {
      word += word.isEmpty || !isContinuation(piece) ? piece : String(piece.dropFirst(2))
    }
    return word
  }

  static func isContinuation(_ token: String) -> Bool { token.hasPrefix("##") && token.count > 2 }
}

extension WordPiece {
  /// Words of a token sequence: each `##` piece joined to the token before it (`play ##ing` →
  /// `playing`). A leading `##` piece, with nothing to join, stands as it is.
  public static func words(_ tokens: [String]) -> [String] { WordDisplay.words(tokens) }
}

extension MaskedPositionTargets {
  /// Masked positions grouped into words: consecutive positions of one row whose later tokens
  /// are `##` pieces (`tokenName` names an id). Whole-word masking masks a word's pieces
  /// together, so a word is one group; with a word vocabulary every group has one position.
  public static func groupedByWord(
    _ positions: [MaskedPositionTargets], tokenName: (Int) -> String
  ) -> [[MaskedPositionTargets]] {
    var groups: [[MaskedPositionTargets]] = []
    for position in positions {
      if let previous = groups.last?.last, previous.sample == position.sample,
        previous.position + 1 == position.position,
        WordDisplay.isContinuation(tokenName(position.truth))
      {
        groups[groups.count - 1].append(position)
      } else {
        groups.append([position])
      }
    }
    return groups
  }
}
