import Testing

@testable import TUI

@Suite struct LayoutTests {
  @Test func splitsSumToTheTotal() {
    var random = FixtureData.Noise(state: 7)
    for _ in 0..<500 {
      let total = Int(random.next() * 300)
      let count = 1 + Int(random.next() * 6)
      var sizes: [LayoutSize] = (0..<count).map { _ in
        switch Int(random.next() * 3) {
        case 0: return .fixed(Int(random.next() * 60))
        case 1: return .fraction(random.next())
        default: return .fill(weight: 1 + Int(random.next() * 3))
        }
      }
      sizes.append(.fill)
      let lengths = Layout.lengths(total: total, sizes)
      #expect(lengths.reduce(0, +) == total, "\(sizes) of \(total) -> \(lengths)")
      #expect(lengths.allSatisfy { $0 >= 0 })
    }
  }

  @Test func fractionsUseLargestRemainders() {
    #expect(
      Layout.lengths(total: 10, [.fraction(1.0 / 3), .fraction(1.0 / 3), .fill]) == [4, 3, 3])
    #expect(Layout.lengths(total: 10, [.fill, .fill, .fill]) == [4, 3, 3])
    #expect(Layout.lengths(total: 10, [.fixed(3), .fill(weight: 2), .fill]) == [3, 5, 2])
    #expect(Layout.lengths(total: 5, [.fixed(8), .fill]) == [5, 0])
  }

  @Test func rowsAndColumnsTileTheRectangle() {
    let rect = Rect(x: 3, y: 2, width: 77, height: 21)
    let columns = Layout.columns(rect, [.fixed(10), .fraction(0.5), .fill])
    #expect(columns.map(\.x) == [3, 13, 52])
    #expect(columns.last!.maxX == rect.maxX)
    let rows = Layout.rows(rect, [.fill, .fixed(1)])
    #expect(rows.map(\.height) == [20, 1])
    #expect(rows.last!.maxY == rect.maxY)
  }

  @Test func paneGridDegradesWithSize() {
    let big = PaneGrid.fitting(
      paneCount: 6, in: Rect(width: 160, height: 48), minimumWidth: 30, minimumHeight: 9)
    #expect(big == PaneGrid(columns: 3, rows: 2, visibleCount: 6))
    let medium = PaneGrid.fitting(
      paneCount: 6, in: Rect(width: 80, height: 24), minimumWidth: 30, minimumHeight: 9)
    #expect(medium.visibleCount == 4)
    let tiny = PaneGrid.fitting(
      paneCount: 6, in: Rect(width: 20, height: 5), minimumWidth: 30, minimumHeight: 9)
    #expect(tiny == PaneGrid(columns: 1, rows: 1, visibleCount: 1))
    let rects = big.rects(in: Rect(width: 160, height: 48))
    #expect(rects.count == 6)
    #expect(rects.map(\.area).reduce(0, +) == 160 * 48)
  }
}
