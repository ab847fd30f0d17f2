import Foundation
import Testing
import TestSupport

@testable import VLP

@Suite struct WordPieceVocabularyTests {
  static let captions = [
    "A man riding a horse on the beach.", "Two dogs playing in the snow!",
    "A man is playing frisbee; the dog watches.", "Café au lait, naïve Ångström 北京",
    "a horse and a man", "supercalifragilisticexpialidocious 🍕",
  ]

  @Test func builtVocabularyLeavesNoSeenTextUnknown() throws {
    let vocabulary = try Vocabulary.buildWordPieces(captions: Self.captions, minimumWordFrequency: 2)
    let tokenizer = Tokenizer(vocabulary: vocabulary, mode: .wordPiece)
    for caption in Self.captions {
      #expect(!tokenizer.tokenize(caption).contains(Vocabulary.unknownToken), "\(caption)")
    }
    #expect(Array(vocabulary.tokens.prefix(5)) == Vocabulary.specialTokens)
    // Frequent words whole, rare ones in pieces.
    #expect(tokenizer.tokenize("a man playing") == ["a", "man", "playing"])
    #expect(tokenizer.tokenize("dogs") == ["d", "##o", "##g", "##s"])
    #expect(WordPiece.words(tokenizer.tokenize("dogs frisbee")) == ["dogs", "frisbee"])
  }

  @Test func buildingIsDeterministicAndCapped() throws {
    let first = try Vocabulary.buildWordPieces(captions: Self.captions)
    let again = try Vocabulary.buildWordPieces(captions: Self.captions.reversed())
    #expect(first == again)
    let characters = first.tokens.filter { $0.unicodeScalars.count == 1 || $0.hasPrefix("##") }
    let capped = try Vocabulary.buildWordPieces(
      captions: Self.captions, minimumWordFrequency: 1, maximumSize: 5 + characters.count + 2)
    #expect(capped.count == 5 + characters.count + 2)
    #expect(throws: DataError.self) {
      try Vocabulary.buildWordPieces(captions: Self.captions, maximumSize: 10)
    }
  }

  @Test func tokenizerForASessionLoadsOrBuilds() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("vocab.txt", (Vocabulary.specialTokens + ["horse", "##s"]).joined(separator: "\n"))
    var read = false
    let loaded = try Tokenizer.bert(
      vocabularyFile: folder.child("vocab.txt"), trainingCaptions: { read = true; return [] })
    #expect(!read && loaded.mode == .wordPiece && loaded.tokenize("Horses") == ["horse", "##s"])
    let built = try Tokenizer.bert(vocabularyFile: nil, trainingCaptions: { Self.captions })
    #expect(built.vocabulary == (try Vocabulary.buildWordPieces(captions: Self.captions)))
  }

  @Test func wordsJoinPiecesAndKeepLeadingPieces() {
    #expect(WordPiece.words(["play", "##ing", "the", "[MASK]", "##s", "##"]) == ["playing", "the", "[MASK]s", "##"])
    #expect(WordPiece.words(["##ing", "x"]) == ["##ing", "x"])
  }

  @Test func vocabularyFilesAreCheckedLineByLineAndBounded() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("bad.txt", "[PAD]\n[UNK]\n\nplay\n##ing\nplay\n")
    do {
      _ = try Vocabulary.load(from: folder.child("bad.txt"))
      Issue.record("a broken vocab.txt loaded")
    } catch let error as DataError {
      let text = "\(error)"
      #expect(text.contains("bad.txt:3: token '' is empty"))
      #expect(text.contains("bad.txt:6: token 'play' repeats line 4"))
      #expect(text.contains("bad.txt: missing special tokens [CLS] [SEP] [MASK]; add each"))
    }
    // Over the limit: refused from its size, before reading (a sparse file costs no disk).
    let huge = folder.child("huge.txt")
    FileManager.default.createFile(atPath: huge, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: huge))
    try handle.truncate(atOffset: UInt64(Vocabulary.maximumFileBytes + 1))
    try handle.close()
    #expect(throws: DataError.self) { try Vocabulary.load(from: huge) }
    #expect(throws: DataError.self) { try Vocabulary.load(from: folder.path) }
  }

  @Test func sessionsNameTheirVocabulary() throws {
    let configuration = try PretrainingConfiguration.decode(["data": ["vocabulary": "vocab.txt"]])
    #expect(configuration.data.vocabulary == "vocab.txt")
    #expect(configuration.data.vocabularyPath(sessionFolder: "/s/run") == "/s/run/vocab.txt")
    var absolute = DataConfiguration()
    absolute.vocabulary = "/data/bert/vocab.txt"
    #expect(absolute.vocabularyPath(sessionFolder: "/s") == "/data/bert/vocab.txt")
    #expect(DataConfiguration().vocabularyPath(sessionFolder: "/s") == nil)
    for bad: Any in ["", 3] {
      #expect(throws: DataError.self) {
        try PretrainingConfiguration.decode(["data": ["vocabulary": bad]])
      }
    }
    // The scene world has its own vocabulary: the key is refused there, naming it.
    #expect(throws: DataError.invalidConfiguration(field: "data.vocabulary", reason: "the scene world has its own word vocabulary; remove the key, or train on real captions (docs/data.md)")) {
      _ = try PretrainingData(configuration: configuration)
    }
  }
}
