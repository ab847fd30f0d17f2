/// BERT's WordPiece: greedy longest-match-first over a word's code points, continuation pieces
/// prefixed with `##`; a word with no full split (or longer than 100 code points) is `[UNK]`
/// whole, as google-research/bert's `WordpieceTokenizer` does.
public enum WordPiece {
  public static let maximumWordLength = 100

  public static func split(_ word: String, vocabulary: Vocabulary) -> [String] {
    let scalars = Array(word.unicodeScalars)
    guard scalars.count <= maximumWordLength else { return [Vocabulary.unknownToken] }
    var pieces: [String] = []
    var start = 0
    while start < scalars.count {
      var end = scalars.count
      var match: String?
      while start < end {
        var piece = String.UnicodeScalarView()
        if start > 0 { piece.append(contentsOf: "##".unicodeScalars) }
        piece.append(contentsOf: scalars[start..<end])
        if vocabulary.contains(String(piece)) {
          match = String(piece)
          break
        }
        end -= 1
      }
      guard let match else { return [Vocabulary.unknownToken] }
      pieces.append(match)
      start = end
    }
    return pieces
  }

  /// Words of a token sequence: each `##` piece joined to the token before it (`play ##ing` →
  /// `playing`). A leading `##` piece, with nothing to join, stands as it is.
  public static func words(_ tokens: [String]) -> [String] {
    var words: [String] = []
    for token in tokens {
      if token.hasPrefix("##"), token.count > 2, let last = words.popLast() {
        words.append(last + token.dropFirst(2))
      } else {
        words.append(token)
      }
    }
    return words
  }
}
