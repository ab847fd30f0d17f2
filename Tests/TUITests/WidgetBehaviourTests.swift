import Testing

@testable import TUI

@Suite struct WidgetBehaviourTests {
  private let series = [
    ChartSeries(name: "ITC", points: [ChartPoint(x: 0, y: 4), ChartPoint(x: 1, y: 2.04)]),
    ChartSeries(name: "MLM", points: [ChartPoint(x: 0, y: 7), ChartPoint(x: 1, y: 2.61)]),
  ]

  /// Under 10x4 a chart shows each series' latest value instead of a plot.
  @Test func tinyChartShowsLatestValues() {
    let canvas = Canvas(width: 9, height: 3, theme: .unicodeMonochrome)
    LineChart(series: series).draw(into: canvas.root)
    #expect(canvas.lines() == ["ITC  2.04", "MLM  2.61", "         "])
  }

  @Test func chartsSurviveEmptyAndDegenerateData() {
    let cases: [[ChartPoint]] = [
      [], [ChartPoint(x: 1, y: 1)], [ChartPoint(x: 1, y: .nan)],
      [ChartPoint(x: 0, y: 1e300), ChartPoint(x: 1, y: -1e300)],
      [ChartPoint(x: 0, y: 0), ChartPoint(x: 0, y: 0)],
      [ChartPoint(x: -1e308, y: 1e308), ChartPoint(x: 1e308, y: -1e308)],
    ]
    for points in cases {
      for scale in [AxisScale.linear, .logarithmic] {
        let canvas = Canvas(width: 40, height: 12, theme: .unicodeTrueColor)
        LineChart(series: [ChartSeries(name: "x", points: points)], yScale: scale)
          .draw(into: canvas.root)
      }
    }
  }

  @Test func scatterSurvivesExtremePoints() {
    let canvas = Canvas(width: 40, height: 12, theme: .unicodeTrueColor)
    Scatter(
      points: [
        ScatterPoint(x: -1e308, y: 1e308, classIndex: 0),
        ScatterPoint(x: 1e308, y: .nan, classIndex: 5, marker: .ring),
        ScatterPoint(x: 1e308, y: -1e308, classIndex: 1, marker: .ring),
      ], classes: [ScatterClass(name: "a")]
    ).draw(into: canvas.root)
  }

  @Test func ignoringOutliersUsesThe5thTo95thPercentile() {
    let values = (0...100).map(Double.init) + [1e6]
    let range = ValueRange.ignoringOutliers(values)!
    #expect(abs(range.low - 5.05) < 1e-9)
    #expect(abs(range.high - 95.95) < 1e-9)
  }

  @Test func niceTicks() {
    #expect(AxisTicks.nice(low: 0, high: 10, count: 6) == [0, 2, 4, 6, 8, 10])
    #expect(AxisTicks.nice(low: 1.9, high: 4.6, count: 3) == [2, 3, 4])
    #expect(AxisTicks.nice(low: 0, high: 100, count: 11, maximumCount: 4) == [0, 50, 100])
    #expect(AxisTicks.logarithmic(low: 0.05, high: 20, count: 4) == [0.1, 1, 10])
  }

  @Test func imageMapsToThePaletteOfTheMode() {
    let image = try! RGBImage(width: 1, height: 2, bytes: [255, 0, 0, 0, 0, 255])
    for (mode, upper, lower) in [
      (ColorMode.trueColor, TerminalColor.rgb(255, 0, 0), TerminalColor.rgb(0, 0, 255)),
      (.palette256, .indexed(196), .indexed(21)), (.ansi8, .red, .blue),
    ] {
      let canvas = Canvas(width: 1, height: 1, theme: Theme(glyphs: .unicode, colorMode: mode))
      ImageView(image: image).draw(into: canvas.root)
      #expect(canvas[0, 0] == Cell("▀", style: CellStyle(foreground: upper, background: lower)))
    }
    let plain = Canvas(width: 1, height: 1, theme: .unicodeMonochrome)
    try! ImageView(image: RGBImage(width: 1, height: 2, bytes: [255, 255, 255, 255, 255, 255]))
      .draw(into: plain.root)
    #expect(plain[0, 0].scalar == "@")
  }

  @Test func imageSizeIsChecked() {
    #expect(throws: RGBImageError.sizeMismatch(width: 2, height: 2, count: 3)) {
      try RGBImage(width: 2, height: 2, pixels: [0, 0, 0])
    }
  }

  @Test func tableHighlightsBestCellPerColumn() {
    let table = Table(
      columns: [
        TableColumn("name"), TableColumn("R@1", best: .highest), TableColumn("loss", best: .lowest),
      ],
      rows: [["a", "0.41", "2.6"], ["b", "0.52", "2.9"], ["c", "n/a", "1.5 (best)"]])
    #expect(table.bestRow(column: 0) == nil)
    #expect(table.bestRow(column: 1) == 1)
    #expect(table.bestRow(column: 2) == 2)
    #expect(table.columnWidths(available: 14) == [3, 3, 4])
  }

  @Test func wrapBreaksAtWordsAndSplitsLongWords() {
    #expect(TextBlock.wrap("the quick brown fox", width: 9) == ["the quick", "brown fox"])
    #expect(TextBlock.wrap("abcdefghij xy", width: 4) == ["abcd", "efgh", "ij", "xy"])
    #expect(TextBlock.wrap("a\n\nb", width: 5) == ["a", "", "b"])
  }

  @Test func statusBarKeepsTheRightSide() {
    let canvas = Canvas(width: 24, height: 1, theme: .unicodeMonochrome)
    StatusBar(
      left: [StatusSegment("a long left segment")], right: [StatusSegment("q quit")]
    ).draw(into: canvas.root)
    #expect(canvas.lines() == [" a long left s…  q quit "])
  }
}
