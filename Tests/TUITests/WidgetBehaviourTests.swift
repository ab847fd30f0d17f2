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

  /// Nothing finite to plot (no points, NaN only, or only values ≤ 0 on a log axis): the chart
  /// says "no data" and draws nothing else. A single distinct value (one point, or a repeated
  /// point): the frame, and a flat line mid-plot (within half a dot of the middle), in the
  /// middle column, level with that value's label on a linear axis.
  @Test func chartsSurviveEmptyAndDegenerateData() {
    let empty: [([ChartPoint], [AxisScale])] = [
      ([], [.linear, .logarithmic]),
      ([ChartPoint(x: 1, y: .nan)], [.linear, .logarithmic]),
      ([ChartPoint(x: 0, y: 0), ChartPoint(x: 0, y: 0)], [.logarithmic]),
    ]
    for (points, scales) in empty {
      for scale in scales {
        let lines = PlotReading.chart(points, scale: scale).canvas.lines()
        #expect(lines[0].hasPrefix("no data"), "\(points) \(scale): \(lines)")
        #expect(
          lines.joined().filter { $0 != " " } == "nodata", "\(points) \(scale): \(lines)")
      }
    }
    let oneValue: [([ChartPoint], Double, [AxisScale])] = [
      ([ChartPoint(x: 1, y: 1)], 1, [.linear, .logarithmic]),
      ([ChartPoint(x: 0, y: 0), ChartPoint(x: 0, y: 0)], 0, [.linear]),
    ]
    for (points, value, scales) in oneValue {
      for scale in scales {
        let plot = PlotReading.chart(points, scale: scale)
        let context = "\(points) \(scale):\n\(plot.text)"
        guard plot.hasFrame(plotRows: 10) else {
          Issue.record("no axis frame: \(context)")
          continue
        }
        #expect(plot.isClean, "\(context)")
        #expect(plot.isFlatMidPlotLine(plotRows: 10), "a flat line mid-plot: \(context)")
        if scale == .linear {
          // The middle, dot row 19.5 of 40, is the bottom edge of row 4: the value's tick.
          #expect(plot.yLabel(row: 4) == value, "labelled with the value: \(context)")
        }
        let middle = plot.axisColumn + 1 + (plot.canvas.width - plot.axisColumn - 1) / 2
        #expect(plot.dots.allSatisfy { abs($0.column - middle) <= 1 }, "\(context)")
      }
    }
  }

  /// Values near the largest doubles: the frame and finite labels; a span that still fits in a
  /// Double draws the line from the top left to the bottom right corner, a single huge value on
  /// a log axis a flat line mid-plot, and a span that overflows (±1e308) no dot outside the plot.
  @Test func chartsOfExtremeValuesStayInsideTheirFrame() {
    let huge = PlotReading.chart([ChartPoint(x: 0, y: 1e300)], scale: .logarithmic)
    #expect(huge.hasFrame(plotRows: 10) && huge.isClean, "\(huge.text)")
    #expect(huge.isFlatMidPlotLine(plotRows: 10), "\(huge.text)")
    let fitting = PlotReading.chart(
      [ChartPoint(x: 0, y: 1e300), ChartPoint(x: 1, y: -1e300)], scale: .linear)
    #expect(fitting.hasFrame(plotRows: 10) && fitting.isClean, "\(fitting.text)")
    let first = fitting.axisColumn + 1
    let last = fitting.canvas.width - 1
    #expect(fitting.dots.contains { $0.row == 0 && $0.column == first }, "\(fitting.text)")
    #expect(fitting.dots.contains { $0.row == 9 && $0.column == last }, "\(fitting.text)")
    #expect(fitting.yLabel(row: 0).map { $0 > 0 } == true, "\(fitting.text)")
    for scale in [AxisScale.linear, .logarithmic] {
      let overflowing = PlotReading.chart(
        [ChartPoint(x: -1e308, y: 1e308), ChartPoint(x: 1e308, y: -1e308)], scale: scale)
      #expect(overflowing.hasFrame(plotRows: 10), "\(scale):\n\(overflowing.text)")
      #expect(overflowing.isClean, "\(scale):\n\(overflowing.text)")
      #expect(overflowing.dots.allSatisfy { $0.row < 10 && $0.column > overflowing.axisColumn })
    }
  }

  /// Points near the largest doubles: those whose span fits land in the plot's corners (dot top
  /// left, ring bottom right); NaN points are skipped; a span that overflows draws nothing.
  /// The legend stays, and no mark falls on it.
  @Test func scatterSurvivesExtremePoints() {
    func scatter(_ magnitude: Double) -> PlotReading {
      let canvas = Canvas(width: 40, height: 12, theme: .unicodeTrueColor)
      Scatter(
        points: [
          ScatterPoint(x: -magnitude, y: magnitude, classIndex: 0),
          ScatterPoint(x: magnitude, y: .nan, classIndex: 5, marker: .ring),
          ScatterPoint(x: magnitude, y: -magnitude, classIndex: 1, marker: .ring),
        ], classes: [ScatterClass(name: "a")]
      ).draw(into: canvas.root)
      return PlotReading(canvas: canvas)
    }
    let fitting = scatter(1e300)
    // The legend ("● a") sits right of a 36-column plot.
    let legendColumn = 37
    #expect(fitting.canvas.lines()[0].hasSuffix("● a"), "\(fitting.text)")
    #expect(fitting.isClean, "\(fitting.text)")
    let marks = fitting.cells { $0.scalar == "○" || PlotReading.isDot($0.scalar) }
    #expect(
      marks.map { [$0.column, $0.row] }.sorted { ($0[1], $0[0]) < ($1[1], $1[0]) }
        == [[1, 0], [34, 11]],
      "one dot top left, one ring bottom right (5% padding), NaN skipped:\n\(fitting.text)")
    #expect(fitting.canvas[34, 11].scalar == "○", "\(fitting.text)")
    #expect(marks.allSatisfy { $0.column < legendColumn - 1 })
    let overflowing = scatter(1e308)
    #expect(overflowing.canvas.lines()[0].hasSuffix("● a"), "\(overflowing.text)")
    #expect(overflowing.isClean, "\(overflowing.text)")
    #expect(
      overflowing.cells { $0.scalar == "○" || PlotReading.isDot($0.scalar) }.isEmpty,
      "\(overflowing.text)")
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

/// Reads back what a chart or scatter drew on a 40x12 canvas: its axis, dots and labels.
private struct PlotReading {
  let canvas: Canvas

  static func chart(_ points: [ChartPoint], scale: AxisScale) -> PlotReading {
    let canvas = Canvas(width: 40, height: 12, theme: .unicodeTrueColor)
    LineChart(series: [ChartSeries(name: "x", points: points)], yScale: scale)
      .draw(into: canvas.root)
    return PlotReading(canvas: canvas)
  }

  var text: String { canvas.lines().joined(separator: "\n") }

  /// A braille cell with at least one dot.
  static func isDot(_ scalar: Unicode.Scalar) -> Bool { (0x2801...0x28FF).contains(scalar.value) }

  /// The cells that satisfy `predicate`, row by row.
  func cells(_ predicate: (Cell) -> Bool) -> [(column: Int, row: Int)] {
    var found: [(column: Int, row: Int)] = []
    for row in 0..<canvas.height {
      for column in 0..<canvas.width where predicate(canvas[column, row]) {
        found.append((column, row))
      }
    }
    return found
  }

  var dots: [(column: Int, row: Int)] { cells { Self.isDot($0.scalar) } }

  /// The rows of single dots (4 per cell row, 0 at the top) of every braille dot drawn: bits
  /// 0-2 and 3-5 are rows 0-2 of the left and right column, bits 6 and 7 row 3.
  var dotRows: Set<Int> {
    let rowOfBit = [0, 1, 2, 0, 1, 2, 3, 3]
    var rows: Set<Int> = []
    for dot in dots {
      let bits = canvas[dot.column, dot.row].scalar.value - 0x2800
      for bit in 0..<8 where bits & (1 << bit) != 0 { rows.insert(dot.row * 4 + rowOfBit[bit]) }
    }
    return rows
  }

  /// Dots on one dot row only, within half a dot of the plot's middle ((4 · rows − 1) / 2).
  func isFlatMidPlotLine(plotRows: Int) -> Bool {
    let middle = Double(4 * plotRows - 1) / 2
    return dotRows.count == 1 && abs(Double(dotRows.first!) - middle) <= 0.5
  }

  /// The y axis: the first column drawn with `│` or `┤` in the top row.
  var axisColumn: Int {
    (0..<canvas.width).first { ["│", "┤"].contains(canvas[$0, 0].scalar) } ?? -1
  }

  /// The y axis runs down all `plotRows` rows and the x axis starts under it with `└─`.
  func hasFrame(plotRows: Int) -> Bool {
    let column = axisColumn
    guard column >= 0, column + 1 < canvas.width else { return false }
    return (0..<plotRows).allSatisfy { ["│", "┤"].contains(canvas[column, $0].scalar) }
      && canvas[column, plotRows].scalar == "└" && canvas[column + 1, plotRows].scalar != " "
  }

  /// No label reads nan or inf.
  var isClean: Bool {
    let lower = text.lowercased()
    return !lower.contains("nan") && !lower.contains("inf")
  }

  /// The number labelling `row` on the y axis (the text left of the axis), if any.
  func yLabel(row: Int) -> Double? {
    let line = Array(canvas.lines()[row].unicodeScalars)
    guard axisColumn > 0, canvas[axisColumn, row].scalar == "┤" else { return nil }
    let label = String(String.UnicodeScalarView(line[0..<axisColumn]))
      .trimmingCharacters(in: .whitespaces)
    return NumberReading.value(label)
  }
}

/// Parses the chart's compact numbers back: `0.5`, `1.2k`, `3M`, `1e300`.
private enum NumberReading {
  static func value(_ text: String) -> Double? {
    if let plain = Double(text) { return plain }
    let suffixes: [Character: Double] = ["k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12]
    guard let last = text.last, let factor = suffixes[last], let mantissa = Double(text.dropLast())
    else { return nil }
    return mantissa * factor
  }
}
