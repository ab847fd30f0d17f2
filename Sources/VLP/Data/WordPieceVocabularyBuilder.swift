/// A WordPiece vocabulary built from training captions, for real data sessions that name no
/// `vocab.txt` (`data.vocabulary`): the special tokens, every character seen at the start of a
/// word, every character seen inside one as a `##` piece, then whole words seen at least
/// `minimumWordFrequency` times, most frequent first, up to `maximumSize` tokens. Because every
/// character is a token, no caption it was built from tokenizes to [UNK] (except words longer
/// than WordPiece's 100 code points, which BERT always makes [UNK]). Text is split by
/// `BERTBasicTokenizer` first, exactly as the tokenizer will split it. The order is
/// deterministic: ties by code point / UTF-8 byte order.
extension Vocabulary {
  public static func buildWordPieces(
    captions: some Sequence<String>, minimumWordFrequency: Int = 2, maximumSize: Int = 30_522
  ) throws -> Vocabulary {
    var wordCounts: [[UInt8]: Int] = [:]
    for caption in captions {
      for word in BERTBasicTokenizer.tokenize(caption) where !specialTokens.contains(word) {
        wordCounts[Array(word.utf8), default: 0] += 1
      }
    }
    var initials: [Unicode.Scalar: Int] = [:]
    var continuations: [Unicode.Scalar: Int] = [:]
    var words: [(word: String, count: Int)] = []
    for (bytes, count) in wordCounts {
      let word = String(decoding: bytes, as: UTF8.self)
      let scalars = Array(word.unicodeScalars)
      guard scalars.count <= WordPiece.maximumWordLength else { continue }
      initials[scalars[0], default: 0] += count
      for scalar in scalars.dropFirst() { continuations[scalar, default: 0] += count }
      if scalars.count > 1 && count >= minimumWordFrequency { words.append((word, count)) }
    }
    let characters =
      byFrequency(initials).map { String($0) } + byFrequency(continuations).map { "##\($0)" }
    let required = specialTokens.count + characters.count
    guard required <= maximumSize else {
      throw DataError.invalidData(
        problems: [
          DataProblem(
            file: "training captions",
            reason: "their \(characters.count) characters and pieces need a vocabulary of at "
              + "least \(required) tokens, more than the \(maximumSize) allowed; raise the "
              + "size or give a vocab.txt (data.vocabulary)")
        ], total: 1)
    }
    words.sort { a, b in
      a.count != b.count ? a.count > b.count : Array(a.word.utf8).lexicographicallyPrecedes(b.word.utf8)
    }
    let kept = words.prefix(maximumSize - required).map(\.word)
    return try Vocabulary(tokens: specialTokens + characters + kept, source: "training captions")
  }

  private static func byFrequency(_ counts: [Unicode.Scalar: Int]) -> [Unicode.Scalar] {
    counts.sorted { a, b in a.value != b.value ? a.value > b.value : a.key.value < b.key.value }
      .map(\.key)
  }
}

extension Tokenizer {
  /// The tokenizer of a session on real captions: BERT's (`wordPiece` mode) over the vocab.txt at
  /// `vocabularyFile` when the session names one, otherwise over `buildWordPieces` of the
  /// training captions (which are read only in that case).
  public static func bert(
    vocabularyFile: String?, trainingCaptions: () throws -> [String],
    minimumWordFrequency: Int = 2, maximumSize: Int = 30_522
  ) throws -> Tokenizer {
    let vocabulary =
      try vocabularyFile.map(Vocabulary.load(from:))
      ?? Vocabulary.buildWordPieces(
        captions: trainingCaptions(), minimumWordFrequency: minimumWordFrequency,
        maximumSize: maximumSize)
    return Tokenizer(vocabulary: vocabulary, mode: .wordPiece)
  }
}
