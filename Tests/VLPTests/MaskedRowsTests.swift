import Testing

@testable import Tensor
@testable import VLP

/// The rows the last fusion layer computes for MLM: each caption's masked positions, padded, and
/// where each masked position's row lands.
@Suite struct MaskedRowsTests {
  @Test func positionsArePaddedPerCaptionAndEveryMaskedPositionFindsItsRow() throws {
    // Captions of length 6: caption 0 masks 1 and 4, caption 1 nothing, caption 2 masks 0, 2, 5.
    let masked = [1, 4, 12, 14, 17]
    let rows = try MaskedRows(masked, shape: [3, 6])
    #expect(rows.positions.shape == Shape([3, 3]))
    #expect(rows.positions.values == [1, 4, 1, 0, 0, 0, 0, 2, 5])
    #expect(rows.flat == [0, 1, 6, 7, 8])
    // Each masked position's row holds that position.
    for (position, row) in zip(masked, rows.flat) {
      #expect(rows.positions.values[row] == position % 6)
      #expect(row / 3 == position / 6)
    }
  }

  @Test func aBatchWithoutMaskedWordsStillHasOneRowPerCaption() throws {
    let rows = try MaskedRows([], shape: [2, 5])
    #expect(rows.positions.shape == Shape([2, 1]))
    #expect(rows.flat.isEmpty)
  }
}
