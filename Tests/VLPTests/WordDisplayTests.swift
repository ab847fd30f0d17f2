import Testing

@testable import VLP

@Suite struct WordDisplayTests {
  @Test func piecesJoinIntoWordsAndMaskedWordsShowOnce() {
    let tokens = ["the", "play", "##ing", "un", "##aff", "##able", "dog", "."]
    #expect(WordDisplay.spans(tokens) == [0..<1, 1..<3, 3..<6, 6..<7, 7..<8])
    #expect(WordDisplay.words(tokens) == ["the", "playing", "unaffable", "dog", "."])
    #expect(WordDisplay.words(tokens, masked: [4]) == ["the", "playing", "[MASK]", "dog", "."])
    #expect(WordDisplay.words(tokens, masked: [1, 2], maskText: "▒") == ["the", "▒", "unaffable", "dog", "."])
    // A word vocabulary: every token is a word, nothing changes.
    #expect(WordDisplay.words(["a", "red", "circle"], masked: [1]) == ["a", "[MASK]", "circle"])
  }

  @Test func maskedPiecesGroupIntoWordsWithinARow() {
    let names = [10: "play", 11: "##ing", 12: "the", 13: "##s"]
    func target(_ sample: Int, _ position: Int, _ truth: Int) -> MaskedPositionTargets {
      MaskedPositionTargets(
        sample: sample, position: position, truth: truth, input: 4, student: [], teacher: [])
    }
    let positions = [
      target(0, 1, 10), target(0, 2, 11), target(0, 4, 12), target(1, 1, 13), target(1, 3, 12),
      target(1, 4, 13),
    ]
    let groups = MaskedPositionTargets.groupedByWord(positions) { names[$0] ?? "?" }
    #expect(groups.map { $0.map(\.position) } == [[1, 2], [4], [1], [3, 4]])
    #expect(groups.map { WordDisplay.join($0.map { names[$0.truth]! }) } == ["playing", "the", "##s", "thes"])
  }
}
