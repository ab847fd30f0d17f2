import Foundation
import Testing
import TestSupport

@testable import VLP

@Suite struct TokenizerTests {
  @Test func basicTokenizerLowerCasesAndSplitsPunctuation() {
    #expect(
      BasicTokenizer.tokenize("A Red circle, LEFT of the box!") == [
        "a", "red", "circle", ",", "left", "of", "the", "box", "!",
      ])
    #expect(BasicTokenizer.tokenize("a [MASK] circle") == ["a", "[MASK]", "circle"])
    #expect(BasicTokenizer.tokenize("  it's\t$5 ") == ["it", "'", "s", "$", "5"])
    #expect(BasicTokenizer.tokenize("") == [])
  }

  @Test func buildingKeepsFrequentWordsMostFrequentFirst() {
    let vocabulary = Vocabulary.build(
      corpus: ["a red circle", "a blue circle", "a red box", "a rare zebra"], minimumFrequency: 2)
    #expect(vocabulary.tokens == Vocabulary.specialTokens + ["a", "circle", "red"])
    #expect(vocabulary.padID == 0 && vocabulary.unknownID == 1 && vocabulary.maskID == 4)
    let capped = Vocabulary.build(corpus: ["a red circle", "a blue circle"], maximumSize: 6)
    #expect(capped.count == 6)
  }

  @Test func vocabTxtRoundTrips() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let vocabulary = Vocabulary.build(corpus: ["a small red circle above a blue box"])
    try vocabulary.write(to: folder.child("vocab.txt"))
    #expect(try Vocabulary.load(from: folder.child("vocab.txt")) == vocabulary)
    #expect(
      String(decoding: try folder.read("vocab.txt"), as: UTF8.self).hasPrefix(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n"))
  }

  @Test func bertStyleVocabularyFindsItsSpecialTokensAnywhere() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let tokens = [
      "[PAD]", "[unused0]", "the", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able",
      "red",
    ]
    try folder.write("vocab.txt", tokens.joined(separator: "\r\n") + "\r\n")
    let vocabulary = try Vocabulary.load(from: folder.child("vocab.txt"))
    #expect(vocabulary.unknownID == 3 && vocabulary.classID == 4 && vocabulary.count == 11)
    let tokenizer = Tokenizer(vocabulary: vocabulary, mode: .wordPiece)
    #expect(tokenizer.tokenize("Unaffable red unx") == ["un", "##aff", "##able", "red", "[UNK]"])
    #expect(tokenizer.decode(tokenizer.encode("unaffable red")) == "unaffable red")
    #expect(Tokenizer(vocabulary: vocabulary).tokenize("unaffable red") == ["[UNK]", "red"])
  }

  @Test func brokenVocabularyFilesNameTheLine() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("dup.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nred\nred\n")
    #expect(
      throws: DataError.invalidData(
        problems: [
          DataProblem(file: folder.child("dup.txt"), line: 7, reason: "token 'red' repeats line 6")
        ], total: 1)
    ) {
      try Vocabulary.load(from: folder.child("dup.txt"))
    }
    try folder.write("nospecial.txt", "[PAD]\n[UNK]\nred\n\nblue\n")
    do {
      _ = try Vocabulary.load(from: folder.child("nospecial.txt"))
      Issue.record("a vocabulary without [CLS] loaded")
    } catch let error as DataError {
      let text = "\(error)"
      #expect(text.contains("nospecial.txt:4: token '' is empty"))
      #expect(text.contains("missing special tokens [CLS] [SEP] [MASK]"))
    }
    #expect(throws: DataError.self) { try Vocabulary.load(from: folder.child("absent.txt")) }
  }

  @Test func pairsAreFramedAndTruncatedLongerFirst() {
    let vocabulary = Vocabulary(words: ["a", "red", "circle", "blue", "box", "round", "polygon"])
    let tokenizer = Tokenizer(vocabulary: vocabulary)
    let pair = tokenizer.encodePair("a red circle", "round polygon", maximumLength: 20)
    #expect(pair.ids == [2, 5, 6, 7, 3, 10, 11, 3])
    #expect(pair.segments == [0, 0, 0, 0, 0, 1, 1, 1])
    let short = tokenizer.encodePair("a red circle a blue box", "round polygon", maximumLength: 8)
    #expect(short.count == 8 && short.segments.filter { $0 == 1 }.count == 3)
    let single = tokenizer.encodePair("a red circle", maximumLength: 4)
    #expect(single.ids == [2, 5, 6, 3])
    let padded = single.padded(to: 6, padID: vocabulary.padID)
    #expect(padded.ids == [2, 5, 6, 3, 0, 0] && padded.attentionMask == [1, 1, 1, 1, 0, 0])
    #expect(tokenizer.decode(pair.ids) == "a red circle round polygon")
    #expect(tokenizer.decode(tokenizer.encode("a green circle")) == "a [UNK] circle")
  }
}
