import Testing

@testable import TUI

/// Counts per cell to shades: one point is one dot up to eight, then log-scaled to the densest
/// cells; the colour is the cell's commonest class.
@Suite struct DensityRasterTests {
  @Test func countsBecomeLevelsOneDotPerPointThenLogarithmic() {
    #expect(DensityRaster.level(count: 0, full: 8) == 0)
    #expect((1...8).map { DensityRaster.level(count: $0, full: 8) } == [1, 3, 4, 5, 6, 7, 7, 8])
    #expect(DensityRaster.level(count: 1, full: 1024) == 1)
    #expect(DensityRaster.level(count: 32, full: 1024) == 4, "half the doublings: half the dots")
    #expect(DensityRaster.level(count: 1024, full: 1024) == 8)
    #expect(DensityRaster.level(count: 5000, full: 1024) == 8, "above full: still full")
    let levels = (1...2000).map { DensityRaster.level(count: $0, full: 1500) }
    #expect(zip(levels, levels.dropFirst()).allSatisfy { $0 <= $1 }, "more points, never fewer dots")
  }

  @Test func glyphsAddDotsInTheirOrder() {
    let glyphs = (1...8).map { DensityRaster.glyph(level: $0, kind: .braille) }
    #expect(glyphs.first == "⠂")
    #expect(glyphs.last == "⣿")
    // Each level's glyph has exactly `level` dots.
    for (index, glyph) in glyphs.enumerated() {
      #expect((glyph.value - 0x2800).nonzeroBitCount == index + 1)
    }
    #expect((1...8).map { String(DensityRaster.glyph(level: $0, kind: .ascii)) }.joined() == ".:-=+*#@")
  }

  @Test func cellsCountTheirPointsAndTakeTheCommonestClass() {
    var raster = DensityRaster(columns: 3, rows: 2, classCount: 3)
    for _ in 0..<5 { raster.add(column: 0, row: 0, classIndex: 2) }
    for _ in 0..<2 { raster.add(column: 0, row: 0, classIndex: 1) }
    raster.add(column: 2, row: 1, classIndex: 1)
    raster.add(column: 2, row: 1, classIndex: 0)
    raster.add(column: 3, row: 0, classIndex: 0)  // outside: ignored
    raster.add(column: 1, row: 1, classIndex: 9)  // a class past the end joins the last
    #expect(raster.count(column: 0, row: 0) == 7)
    #expect(raster.majorityClass(column: 0, row: 0) == 2)
    #expect(raster.majorityClass(column: 2, row: 1) == 0, "a tie goes to the commoner (lower) class")
    #expect(raster.majorityClass(column: 1, row: 1) == 2)
    #expect(raster.majorityClass(column: 1, row: 0) == nil)
    #expect(raster.fullCount == 8, "at least one dot per point up to eight")
  }

  @Test func fullCountIsThe95thPercentileSoOneCrowdedCellWashesNothingOut() {
    var raster = DensityRaster(columns: 40, rows: 1, classCount: 1)
    for column in 0..<39 { for _ in 0..<20 { raster.add(column: column, row: 0, classIndex: 0) } }
    for _ in 0..<10_000 { raster.add(column: 39, row: 0, classIndex: 0) }
    #expect(raster.fullCount == 20)
  }

  /// A dense cluster and a sparse one drawn: the dense one's cells carry all eight dots, the
  /// sparse one's a dot per point; the plain scatter would show both as single dots.
  @Test func aDenseClusterLooksDenserThanASparseOne() {
    var points: [ScatterPoint] = []
    for i in 0..<2000 { points.append(ScatterPoint(x: 10 + Double(i % 3) * 0.001, y: 10, classIndex: 0)) }
    points.append(ScatterPoint(x: 0, y: 0, classIndex: 1))
    points.append(ScatterPoint(x: 0, y: 20, classIndex: 1))
    let scatter = DensityScatter(
      Scatter(
        points: points, classes: [ScatterClass(name: "dense"), ScatterClass(name: "sparse")],
        legend: .hidden))
    let canvas = Canvas(width: 30, height: 10, theme: .unicodeTrueColor)
    scatter.draw(into: canvas.root)
    let glyphs = canvas.lines().joined().unicodeScalars.filter { $0.value >= 0x2801 && $0.value <= 0x28FF }
    let dots = glyphs.map { ($0.value - 0x2800).nonzeroBitCount }.sorted()
    #expect(dots == [1, 1, 8], "\(canvas.lines().joined(separator: "\n"))")
  }
}
