import Foundation

/// Token strings and their ids, saved as BERT's `vocab.txt` (one token a line, the line number
/// minus one is the id). Special tokens are found by name wherever they are, so a BERT
/// vocabulary (with [PAD] at 0 and [UNK] at 100) loads as it is.
public struct Vocabulary: Sendable, Equatable {
  public static let padToken = "[PAD]"
  public static let unknownToken = "[UNK]"
  public static let classToken = "[CLS]"
  public static let separatorToken = "[SEP]"
  public static let maskToken = "[MASK]"
  /// In the order a new vocabulary puts them, ids 0 to 4.
  public static let specialTokens = [padToken, unknownToken, classToken, separatorToken, maskToken]

  public let tokens: [String]
  private let ids: [String: Int]
  public let padID: Int
  public let unknownID: Int
  public let classID: Int
  public let separatorID: Int
  public let maskID: Int

  /// Validates `tokens` (no duplicates, no empty or blank tokens, every special token present);
  /// `source` names the file in errors.
  public init(tokens: [String], source: String = "vocabulary") throws {
    var log = ProblemLog()
    var ids: [String: Int] = [:]
    for (index, token) in tokens.enumerated() {
      if token.isEmpty || token.contains(where: \.isWhitespace) {
        log.report(
          file: source, line: index + 1,
          "token '\(token)' is empty or contains white space; one token a line")
      } else if let first = ids[token] {
        log.report(file: source, line: index + 1, "token '\(token)' repeats line \(first + 1)")
      } else {
        ids[token] = index
      }
    }
    let missing = Vocabulary.specialTokens.filter { ids[$0] == nil }
    if !missing.isEmpty {
      log.report(
        file: source,
        "missing special tokens \(missing.joined(separator: " ")); add each on a line of its own")
    }
    try log.throwIfAny()
    self.tokens = tokens
    self.ids = ids
    padID = ids[Vocabulary.padToken]!
    unknownID = ids[Vocabulary.unknownToken]!
    classID = ids[Vocabulary.classToken]!
    separatorID = ids[Vocabulary.separatorToken]!
    maskID = ids[Vocabulary.maskToken]!
  }

  /// The special tokens (ids 0 to 4) followed by `words` in order, repeats dropped.
  public init(words: [String]) {
    var seen = Set(Vocabulary.specialTokens)
    let unique = words.filter { seen.insert($0).inserted }
    // Cannot fail: specials are present, and `unique` has no repeats.
    try! self.init(tokens: Vocabulary.specialTokens + unique)
  }

  /// Word-level vocabulary of a corpus: words seen at least `minimumFrequency` times (after the
  /// basic tokenizer's lower-casing and punctuation splitting), most frequent first, ties in
  /// alphabetical order, at most `maximumSize` tokens in all.
  public static func build(
    corpus: some Sequence<String>, minimumFrequency: Int = 1, maximumSize: Int? = nil
  ) -> Vocabulary {
    var counts: [String: Int] = [:]
    for text in corpus {
      for token in BasicTokenizer.tokenize(text) { counts[token, default: 0] += 1 }
    }
    var words = counts.filter { $0.value >= minimumFrequency && !specialTokens.contains($0.key) }
      .sorted { ($1.value, $0.key) < ($0.value, $1.key) }
      .map(\.key)
    if let maximumSize { words = Array(words.prefix(max(0, maximumSize - specialTokens.count))) }
    return Vocabulary(words: words)
  }

  public var count: Int { tokens.count }

  public func id(of token: String) -> Int? { ids[token] }

  public func contains(_ token: String) -> Bool { ids[token] != nil }

  public var specialIDs: Set<Int> { [padID, unknownID, classID, separatorID, maskID] }

  /// Reads a `vocab.txt`: one token a line; a final newline is optional, `\r\n` is accepted.
  public static func load(from path: String) throws -> Vocabulary {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DataError.missingFile(path: path, hint: "expected a vocab.txt with one token a line")
    }
    let lines = try TextFile.lines(at: path)
    return try Vocabulary(tokens: lines.map(\.text), source: path)
  }

  /// Writes one token a line, each line ending in a newline.
  public func write(to path: String) throws {
    try TextFile.write(tokens.map { $0 + "\n" }.joined(), to: path)
  }
}
