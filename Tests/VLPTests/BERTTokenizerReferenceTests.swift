import Foundation
import Testing

@testable import VLP

/// Tests/Fixtures/bert_tokenizer_reference.json, written by bert_tokenizer_reference.py with
/// HuggingFace's BertTokenizer(do_lower_case=True) over bert_small_vocab.txt and bert-base-uncased's
/// vocab.txt. Where the Python tokenizer (google-research/bert's rules) and the Rust one differ
/// (`legacyTokens`: only a word-final Σ), the Python one is followed.
@Suite struct BERTTokenizerReferenceTests {
  struct Reference: Decodable {
    var vocabularies: [String: String]
    var cases: [Case]
  }

  struct Case: Decodable {
    var text: String
    var tokens: [String: [String]]
    var ids: [String: [Int]]
    var legacyTokens: [String: [String]]
    var basic: [String]
  }

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

  static let reference: Reference = {
    let url = fixtures.appendingPathComponent("bert_tokenizer_reference.json")
    return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
  }()

  static func tokenizer(_ name: String) throws -> Tokenizer {
    let file = try #require(reference.vocabularies[name])
    let path = fixtures.appendingPathComponent(file).path
    return Tokenizer(vocabulary: try Vocabulary.load(from: path), mode: .wordPiece)
  }

  @Test(arguments: ["small", "bert-base-uncased"])
  func everyCaseMatchesTokenForToken(vocabulary name: String) throws {
    let tokenizer = try Self.tokenizer(name)
    #expect(Self.reference.cases.count >= 35)
    for item in Self.reference.cases {
      let expected = try #require(item.legacyTokens[name] ?? item.tokens[name])
      #expect(tokenizer.tokenize(item.text) == expected, "\(item.text.debugDescription)")
      if item.legacyTokens[name] == nil {
        #expect(tokenizer.encode(item.text) == item.ids[name], "\(item.text.debugDescription)")
      }
    }
  }

  @Test func basicTokenizerMatchesBERTs() {
    for item in Self.reference.cases {
      #expect(BERTBasicTokenizer.tokenize(item.text) == item.basic, "\(item.text.debugDescription)")
    }
  }

  @Test func theReferencesDisagreeOnlyOnFinalSigma() {
    let differing = Self.reference.cases.filter { !$0.legacyTokens.isEmpty }.map(\.text)
    #expect(differing == ["\u{03A3}\u{0391}\u{03A3} \u{039F}\u{0394}\u{03A5}\u{03A3}\u{03A3}\u{0395}\u{03A5}\u{03A3} \u{03C3}\u{03B1}\u{03C2}"])
  }

  @Test func bertVocabularyLoadsWithItsSpecialIDs() throws {
    let vocabulary = try Self.tokenizer("bert-base-uncased").vocabulary
    #expect(vocabulary.count == 30_522)
    let special: [Int] = [
      vocabulary.padID, vocabulary.unknownID, vocabulary.classID, vocabulary.separatorID,
      vocabulary.maskID,
    ]
    #expect(special == [0, 100, 101, 102, 103])
    #expect(vocabulary.hasWordPieces && vocabulary.continuesWord(vocabulary.id(of: "##ing")!))
    #expect(!vocabulary.continuesWord(vocabulary.id(of: "playing")!))
  }

  @Test func hangulIsMatchedByCodePointsNotByCanonicalEquivalence() throws {
    // "한" (U+D55C) is canonically equivalent to its jamo, which BERT's NFD produces; Swift's
    // String equality would match the syllable, Python's dict does not.
    let vocabulary = try Vocabulary(tokens: Vocabulary.specialTokens + ["\u{D55C}"])
    let tokenizer = Tokenizer(vocabulary: vocabulary, mode: .wordPiece)
    #expect(tokenizer.tokenize("\u{D55C}") == ["[UNK]"])
    #expect(vocabulary.contains("\u{D55C}") && !vocabulary.contains("\u{1112}\u{1161}\u{11AB}"))
  }
}
