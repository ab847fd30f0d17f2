/// The scene world's word tokenizer (`word` mode): split on white space, keep special tokens such
/// as `[MASK]` whole, lower-case the rest and make every punctuation mark a token of its own.
/// Kept as it was so that scene-world sessions tokenize bit-identically; real text in
/// `wordPiece` mode goes through `BERTBasicTokenizer`, BERT's exact rules.
public enum BasicTokenizer {
  public static func tokenize(_ text: String) -> [String] {
    var tokens: [String] = []
    for chunk in text.split(whereSeparator: \.isWhitespace) {
      if Vocabulary.specialTokens.contains(String(chunk)) {
        tokens.append(String(chunk))
        continue
      }
      var word = ""
      for character in chunk.lowercased() {
        if isPunctuation(character) {
          if !word.isEmpty { tokens.append(word) }
          word = ""
          tokens.append(String(character))
        } else if !isControl(character) {
          word.append(character)
        }
      }
      if !word.isEmpty { tokens.append(word) }
    }
    return tokens
  }

  /// ASCII control characters are dropped, as BERT's text cleaning does.
  static func isControl(_ character: Character) -> Bool {
    guard let value = character.asciiValue else { return false }
    return value < 0x20 || value == 0x7F
  }

  /// Unicode punctuation, and the ASCII symbols BERT also splits off ($ + < = > ^ ` | ~).
  static func isPunctuation(_ character: Character) -> Bool {
    character.isPunctuation || (character.isASCII && character.isSymbol)
  }
}

/// Token ids of one sequence with their segment ids (0 for text a, 1 for text b).
public struct EncodedSequence: Sendable, Equatable {
  public var ids: [Int]
  public var segments: [Int]

  public var count: Int { ids.count }

  /// Padded with `padID` (segment 0) to `length`; the mask is 1 on real tokens, 0 on padding.
  public func padded(to length: Int, padID: Int) -> (
    ids: [Int], segments: [Int], attentionMask: [Int]
  ) {
    let padding = max(0, length - ids.count)
    return (
      ids + Array(repeating: padID, count: padding),
      segments + Array(repeating: 0, count: padding),
      Array(repeating: 1, count: ids.count) + Array(repeating: 0, count: padding)
    )
  }
}

/// Text to token ids. `word` mode maps each basic token to one id ([UNK] when unknown), for the
/// scene world; `wordPiece` mode is BERT's tokenizer (`BERTBasicTokenizer`, then the longest
/// pieces of a `vocab.txt`, `##` marking a piece that continues a word), token for token as
/// HuggingFace's `BertTokenizer(do_lower_case=True)` (Tests/Fixtures/bert_tokenizer_reference).
public struct Tokenizer: Sendable {
  public enum Mode: String, Sendable, Codable, CaseIterable {
    case word, wordPiece
  }

  public let vocabulary: Vocabulary
  public let mode: Mode

  public init(vocabulary: Vocabulary, mode: Mode = .word) {
    self.vocabulary = vocabulary
    self.mode = mode
  }

  /// Token strings; unknown words become `[UNK]`.
  public func tokenize(_ text: String) -> [String] {
    switch mode {
    case .word:
      return BasicTokenizer.tokenize(text).map { vocabulary.contains($0) ? $0 : Vocabulary.unknownToken }
    case .wordPiece:
      return BERTBasicTokenizer.tokenize(text).flatMap { word in
        Vocabulary.specialTokens.contains(word) ? [word] : WordPiece.split(word, vocabulary: vocabulary)
      }
    }
  }

  public func encode(_ text: String) -> [Int] {
    tokenize(text).map { vocabulary.id(of: $0) ?? vocabulary.unknownID }
  }

  /// Text of `ids`: word pieces rejoined, special tokens dropped unless `keepSpecial`.
  public func decode(_ ids: [Int], keepSpecial: Bool = false) -> String {
    var text = ""
    for id in ids {
      guard vocabulary.tokens.indices.contains(id) else { continue }
      if !keepSpecial, vocabulary.specialIDs.contains(id), id != vocabulary.unknownID { continue }
      let token = vocabulary.tokens[id]
      if mode == .wordPiece, token.hasPrefix("##") {
        text += token.dropFirst(2)
      } else {
        text += text.isEmpty ? token : " " + token
      }
    }
    return text
  }

  /// `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]` in at most `maximumLength` tokens; when too
  /// long, the longer of a and b loses its last token until it fits (BERT's and Oscar's rule).
  public func encodePair(_ a: String, _ b: String? = nil, maximumLength: Int) -> EncodedSequence {
    var first = encode(a)
    var second = b.map(encode)
    let budget = max(0, maximumLength - (second == nil ? 2 : 3))
    while first.count + (second?.count ?? 0) > budget {
      if let count = second?.count, count > first.count {
        second!.removeLast()
      } else {
        first.removeLast()
      }
    }
    var ids = [vocabulary.classID] + first + [vocabulary.separatorID]
    var segments = Array(repeating: 0, count: ids.count)
    if let second {
      ids += second + [vocabulary.separatorID]
      segments += Array(repeating: 1, count: second.count + 1)
    }
    return EncodedSequence(ids: ids, segments: segments)
  }
}
