/// BERT's WordPiece: greedy longest-match-first over a word's characters, continuation pieces
/// prefixed with `##`; a word with no full split (or longer than 100 characters) is `[UNK]`.
public enum WordPiece {
  public static let maximumWordLength = 100

  public static func split(_ word: String, vocabulary: Vocabulary) -> [String] {
    if vocabulary.contains(word) { return [word] }
    let characters = Array(word)
    guard characters.count <= maximumWordLength else { return [Vocabulary.unknownToken] }
    var pieces: [String] = []
    var start = 0
    while start < characters.count {
      var end = characters.count
      var match: String?
      while start < end {
        let piece = (start > 0 ? "##" : "") + String(characters[start..<end])
        if vocabulary.contains(piece) {
          match = piece
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
}
