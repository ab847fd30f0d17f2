import Testing

@testable import TUI

@Suite struct DotRasterTests {
  /// Unicode's braille numbering: dots 1, 2, 3, 7 down the left column are bits 0, 1, 2, 6 and
  /// dots 4, 5, 6, 8 down the right are bits 3, 4, 5, 7.
  @Test func brailleDotMapping() {
    let expected: [(column: Int, row: Int, scalar: Unicode.Scalar)] = [
      (0, 0, "⠁"), (0, 1, "⠂"), (0, 2, "⠄"), (0, 3, "⡀"),
      (1, 0, "⠈"), (1, 1, "⠐"), (1, 2, "⠠"), (1, 3, "⢀"),
    ]
    for dot in expected {
      var raster = DotRaster(kind: .braille, columns: 1, rows: 1)
      raster.setDot(x: dot.column, y: dot.row, style: .plain)
      #expect(RasterKind.braille.glyph(raster.mask(column: 0, row: 0)) == dot.scalar)
    }
    #expect(RasterKind.braille.glyph(0xFF) == "⣿")
  }

  @Test func dotsLandInTheirCells() {
    var raster = DotRaster(kind: .braille, columns: 3, rows: 2)
    raster.setDot(x: 5, y: 7, style: .plain)  // last dot of the last cell
    raster.setDot(x: 2, y: 4, style: .plain)  // cell (1, 1), top-left dot
    raster.setDot(x: 6, y: 0, style: .plain)  // outside: ignored
    #expect(raster.mask(column: 2, row: 1) == 0x80)
    #expect(raster.mask(column: 1, row: 1) == 0x01)
    #expect(raster.mask(column: 0, row: 0) == 0)
  }

  @Test func asciiRasterUsesThreeRowsPerCell() {
    var raster = DotRaster(kind: .ascii, columns: 1, rows: 1)
    raster.setDot(x: 0, y: 0, style: .plain)
    #expect(RasterKind.ascii.glyph(raster.mask(column: 0, row: 0)) == "'")
    raster.setDot(x: 0, y: 2, style: .plain)
    #expect(RasterKind.ascii.glyph(raster.mask(column: 0, row: 0)) == ":")
    raster.setDot(x: 0, y: 1, style: .plain)
    #expect(RasterKind.ascii.glyph(raster.mask(column: 0, row: 0)) == "|")
  }

  /// A higher priority takes the cell over; a lower one is ignored; an equal one adds dots.
  @Test func priorityDecidesWhoOwnsACell() {
    var raster = DotRaster(kind: .braille, columns: 1, rows: 1)
    raster.setDot(x: 0, y: 0, style: CellStyle(.red), priority: 0)
    raster.setDot(x: 1, y: 3, style: CellStyle(.blue), priority: 1)
    raster.setDot(x: 0, y: 1, style: CellStyle(.red), priority: 0)
    raster.setDot(x: 1, y: 0, style: CellStyle(.blue), priority: 1)
    #expect(raster.mask(column: 0, row: 0) == 0x80 | 0x08)
  }

  @Test func linesAreClippedAndContinuous() {
    var raster = DotRaster(kind: .braille, columns: 4, rows: 1)
    raster.drawLine(from: (-1e12, 0), to: (7, 3), style: .plain)
    var dots = 0
    for column in 0..<4 { dots += raster.mask(column: column, row: 0).nonzeroBitCount }
    #expect(dots >= 8)  // at least one dot per dot column across the 8-dot-wide raster
    var horizontal = DotRaster(kind: .braille, columns: 2, rows: 1)
    horizontal.drawLine(from: (0, 0), to: (3, 0), style: .plain)
    #expect(horizontal.mask(column: 0, row: 0) == 0x09)
    #expect(horizontal.mask(column: 1, row: 0) == 0x09)
  }
}
