import Testing

@testable import Tensor
@testable import VLP

@Suite struct WholeWordMaskingTests {
  /// The per-token masking of before whole words: what word-mode batches must still draw.
  static func perTokenMask(
    ids: [Int], maskable: (Int) -> Bool, probability: Float, maskID: Int, vocabularySize: Int,
    random: inout RandomGenerator
  ) -> MaskedTokens {
    var result = MaskedTokens(ids: ids, positions: [], targets: [])
    for position in ids.indices where maskable(position) {
      let choose = random.nextFloat() < probability
      let useMask = random.nextFloat() < 0.8
      let useRandom = random.nextFloat() < 0.5
      let randomID = random.nextInt(below: vocabularySize)
      guard choose else { continue }
      result.positions.append(position)
      result.targets.append(ids[position])
      if useMask {
        result.ids[position] = maskID
      } else if useRandom {
        result.ids[position] = randomID
      }
    }
    return result
  }

  @Test func oneTokenWordsDrawExactlyAsPerTokenMaskingDid() {
    let ids = (0..<5_000).map { $0 % 9 == 0 ? 0 : 5 + $0 % 13 }
    var a = RandomGenerator(seed: 11)
    var b = RandomGenerator(seed: 11)
    let words = TokenMasking.mask(
      ids: ids, maskable: { ids[$0] != 0 }, probability: 0.15, maskID: 4, vocabularySize: 30,
      random: &a)
    let tokens = Self.perTokenMask(
      ids: ids, maskable: { ids[$0] != 0 }, probability: 0.15, maskID: 4, vocabularySize: 30,
      random: &b)
    #expect(words == tokens)
    #expect(a.next() == b.next(), "the streams end in the same state")
  }

  @Test func piecesOfAWordAreMaskedTogether() throws {
    let vocabulary = try Vocabulary(
      tokens: Vocabulary.specialTokens + ["play", "##ing", "##s", "the", "un", "##aff", "##able"])
    let tokenizer = Tokenizer(vocabulary: vocabulary, mode: .wordPiece)
    let row = tokenizer.encodePair("the unaffable plays playing the", maximumLength: 16).ids
    let ids = Array(Array(repeating: row, count: 4_000).joined())
    let (pad, cls) = (vocabulary.padID, vocabulary.classID)
    var random = RandomGenerator(seed: 5)
    let masked = TokenMasking.mask(
      ids: ids, maskable: { ids[$0] != pad && ids[$0] != cls },
      continuesWord: { vocabulary.continuesWord(ids[$0]) }, probability: 0.15,
      maskID: vocabulary.maskID, vocabularySize: vocabulary.count, random: &random)
    let chosen = Set(masked.positions)
    // Every word's pieces are all chosen or none is.
    var start = 0
    while start < ids.count {
      var end = start + 1
      while end < ids.count, vocabulary.continuesWord(ids[end]) { end += 1 }
      let picked = (start..<end).filter(chosen.contains).count
      #expect(picked == 0 || picked == end - start, "word at \(start)")
      start = end
    }
    // p of the pieces on average (the reference counts pieces), and 80% of them [MASK].
    let maskable = ids.indices.filter { ids[$0] != pad && ids[$0] != cls }.count
    #expect(abs(Double(chosen.count) / Double(maskable) - 0.15) < 0.01)
    let share = Double(masked.positions.filter { masked.ids[$0] == vocabulary.maskID }.count)
      / Double(masked.positions.count)
    #expect(abs(share - 0.8) < 0.02)
  }
}
