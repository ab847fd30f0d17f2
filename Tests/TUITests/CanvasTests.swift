import Testing

@testable import TUI

@Suite struct CanvasTests {
  private func canvas(_ width: Int, _ height: Int, _ theme: Theme = .unicodeTrueColor) -> Canvas {
    Canvas(width: width, height: height, theme: theme)
  }

  @Test func putTruncatesWithEllipsisAndClips() {
    let grid = canvas(10, 2)
    #expect(grid.root.put(text: "hello world", at: Point(x: 0, y: 0)) == 10)
    #expect(grid.lines()[0] == "hello wor…")
    #expect(grid.root.put(text: "abc", at: Point(x: 8, y: 1), maxWidth: 5) == 2)
    #expect(grid.lines()[1] == "        a…")
    #expect(grid.root.put(text: "x", at: Point(x: 0, y: 5)) == 0)
    #expect(grid.root.put(text: "fits", at: Point(x: 6, y: 1)) == 4)
  }

  @Test func regionsDrawInLocalCoordinatesAndClip() {
    let grid = canvas(8, 4)
    let region = grid.root.region(Rect(x: 2, y: 1, width: 4, height: 2))
    region.put(text: "abcdefgh", at: Point(x: 1, y: 1))
    region.set("Z", at: Point(x: -1, y: 0))
    region.set("Y", at: Point(x: 4, y: 0))
    #expect(grid.lines() == ["        ", "        ", "   ab…  ", "        "])
    let nested = region.region(Rect(x: 3, y: 0, width: 10, height: 10))
    #expect(nested.frame == Rect(x: 5, y: 1, width: 1, height: 2))
  }

  @Test func wideCharactersTakeTwoCells() {
    let grid = canvas(6, 1)
    #expect(grid.root.put(text: "a漢b", at: Point(x: 0, y: 0)) == 4)
    #expect(grid[1, 0].scalar == "漢")
    #expect(grid[2, 0].isContinuation)
    #expect(grid.lines()[0] == "a漢b  ")
    grid.root.set("x", at: Point(x: 2, y: 0))  // overwriting the right half blanks the left
    #expect(grid.lines()[0] == "a xb  ")
    grid.root.put(text: "漢字", at: Point(x: 5, y: 0))  // no room for the second half
    #expect(grid[5, 0].scalar == "…")
  }

  @Test func asciiThemeReplacesNonASCII() {
    let grid = canvas(6, 1, .asciiMonochrome)
    grid.root.put(text: "é→漢", at: Point(x: 0, y: 0))
    #expect(grid.lines()[0] == "???   ")
    #expect(grid.cells.allSatisfy { $0.scalar.isASCII })
  }

  @Test func frameDrawsBoxTitleAndNote() {
    let grid = canvas(20, 3)
    let inside = grid.root.frame(title: "ITC", note: "2.04")
    #expect(inside.frame == Rect(x: 1, y: 1, width: 18, height: 1))
    #expect(
      grid.lines() == ["┌ ITC ────── 2.04 ─┐", "│                  │", "└──────────────────┘"])
  }

  @Test func asciiFrame() {
    let grid = canvas(8, 3, .asciiMonochrome)
    grid.root.frame(title: "a")
    #expect(grid.lines() == ["+ a ---+", "|      |", "+------+"])
  }

  /// Cells are plain data of a few bytes (no String or class per cell), so a full 160x48
  /// dashboard is one array allocation of cells and drawing never allocates per cell.
  @Test func cellsArePlainSmallData() {
    #expect(_isPOD(Cell.self))
    #expect(MemoryLayout<Cell>.stride <= 16)
    let grid = canvas(160, 48)
    Dashboard.draw(grid.root)
    #expect(grid.cells.count == 160 * 48)
  }

  @Test func snapshotTextListsStyleRuns() {
    let grid = canvas(6, 2)
    grid.root.put(text: "ab", at: Point(x: 1, y: 1), style: CellStyle(.red, .bold))
    #expect(
      grid.snapshotText() == """
        canvas 6x2 trueColor unicode
              |
         ab   |
        styles
        row 1 col 1-2 fg=red bold

        """)
  }
}
