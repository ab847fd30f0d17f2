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
  /// Keyed by the exact code points (UTF-8 bytes), as Python's dict is: String equality is
  /// canonical equivalence, which would make a Hangul syllable equal to its jamo.
  private let ids: [[UInt8]: Int]
  /// Per id: the token is a `##` piece that continues a word.
  private let continuation: [Bool]
  public let padID: Int
  public let unknownID: Int
  public let classID: Int
  public let separatorID: Int
  public let maskID: Int

  /// Validates `tokens` (no duplicates, no empty or blank tokens, every special token present);
  /// `source` names the file in errors.
  public init(tokens: [String], source: String = "vocabulary") throws {
    var log = ProblemLog()
    var ids: [[UInt8]: Int] = [:]
    for (index, token) in tokens.enumerated() {
      if token.isEmpty || token.contains(where: \.isWhitespace) {
        log.report(
          file: source, line: index + 1,
          "token '\(token)' is empty or contains white space; one token a line")
      } else if let first = ids[Array(token.utf8)] {
        log.report(file: source, line: index + 1, "token '\(token)' repeats line \(first + 1)")
      } else {
        ids[Array(token.utf8)] = index
      }
    }
    let missing = Vocabulary.specialTokens.filter { ids[Array($0.utf8)] == nil }
    if !missing.isEmpty {
      log.report(
        file: source,
        "missing special tokens \(missing.joined(separator: " ")); add each on a line of its own "
          + "(BERT's vocab.txt has all five)")
    }
    try log.throwIfAny()
    self.tokens = tokens
    self.ids = ids
    continuation = tokens.map { $0.hasPrefix("##") && $0.count > 2 }
    padID = ids[Array(Vocabulary.padToken.utf8)]!
    unknownID = ids[Array(Vocabulary.unknownToken.utf8)]!
    classID = ids[Array(Vocabulary.classToken.utf8)]!
    separatorID = ids[Array(Vocabulary.separatorToken.utf8)]!
    maskID = ids[Array(Vocabulary.maskToken.utf8)]!
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

  public func id(of token: String) -> Int? { ids[Array(token.utf8)] }

  public func contains(_ token: String) -> Bool { ids[Array(token.utf8)] != nil }

  /// Whether `id` is a `##` piece, the continuation of the word before it.
  public func continuesWord(_ id: Int) -> Bool {
    continuation.indices.contains(id) && continuation[id]
  }

  /// True when some token is a `##` piece (a WordPiece vocabulary, not a word list).
  public var hasWordPieces: Bool { continuation.contains(true) }

  public var specialIDs: Set<Int> { [padID, unknownID, classID, separatorID, maskID] }

  /// The largest vocab.txt read (BERT's are 0.2 to 1 MB; 64 MiB is several million tokens).
  public static let maximumFileBytes = 64 << 20

  /// Reads a `vocab.txt`: one token a line; a final newline is optional, `\r\n` is accepted.
  /// Files over `maximumFileBytes`, folders and anything but a regular file are refused before
  /// reading.
  public static func load(from path: String) throws -> Vocabulary {
    guard FileManager.default.fileExists(atPath: path) else {
      throw DataError.missingFile(path: path, hint: "expected a vocab.txt with one token a line")
    }
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
      throw DataError.unrecognizedFormat(
        path: path, reason: "is not a regular file (\(type.rawValue)); expected a vocab.txt")
    }
    if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maximumFileBytes {
      throw DataError.unrecognizedFormat(
        path: path,
        reason: "is \(size) bytes, over the \(maximumFileBytes >> 20) MiB a vocab.txt may have; "
          + "is it the right file?")
    }
    let lines = try TextFile.lines(at: path)
    return try Vocabulary(tokens: lines.map(\.text), source: path)
  }

  /// Writes one token a line, each line ending in a newline.
  public func write(to path: String) throws {
    try TextFile.write(tokens.map { $0 + "\n" }.joined(), to: path)
  }
}
