import Foundation
import Testing

@testable import TUI

/// Deterministic data for widget snapshots: loss-like curves, clustered points, an image.
enum FixtureData {
  /// A reproducible stream in [0, 1) (a 64-bit LCG, Knuth's MMIX constants).
  struct Noise {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  /// A decaying loss from `start` toward `floor` over `steps` steps, with multiplicative noise.
  static func loss(
    steps: Int, every: Int = 10, start: Double, floor: Double, noise: Double, seed: UInt64
  ) -> [ChartPoint] {
    var random = Noise(state: seed)
    return stride(from: 0, through: steps, by: every).map { step in
      let clean = floor + (start - floor) * exp(-Double(step) / Double(steps) * 4)
      return ChartPoint(x: Double(step), y: clean * (1 + noise * (random.next() - 0.5)))
    }
  }

  /// Gaussian-ish clusters (sum of uniforms) around fixed centres, one per class; every third
  /// point is a word token (ring marker).
  static func clusters(classes: Int, perClass: Int, seed: UInt64) -> [ScatterPoint] {
    var random = Noise(state: seed)
    var points: [ScatterPoint] = []
    for index in 0..<classes {
      let angle = Double(index) / Double(classes) * 2 * Double.pi
      let (cx, cy) = (cos(angle) * 10, sin(angle) * 6)
      for number in 0..<perClass {
        let dx = (random.next() + random.next() + random.next() - 1.5) * 2
        let dy = (random.next() + random.next() + random.next() - 1.5) * 2
        points.append(
          ScatterPoint(
            x: cx + dx, y: cy + dy, classIndex: index, marker: number % 5 == 4 ? .ring : .dot))
      }
    }
    return points
  }

  /// A 32x32 scene: a vertical gradient sky, a red disc, a blue square, a grey ring.
  static func sceneImage() -> RGBImage {
    var pixels: [Float] = []
    for y in 0..<32 {
      for x in 0..<32 {
        let (fx, fy) = (Float(x), Float(y))
        var rgb: (Float, Float, Float) = (0.1, 0.1 + fy / 64, 0.3 + fy / 48)
        if (fx - 9) * (fx - 9) + (fy - 10) * (fy - 10) < 36 { rgb = (0.9, 0.15, 0.1) }
        if x >= 18 && x < 28 && y >= 16 && y < 26 { rgb = (0.15, 0.3, 0.95) }
        let ring = (fx - 8) * (fx - 8) + (fy - 25) * (fy - 25)
        if ring > 9 && ring < 25 { rgb = (0.6, 0.6, 0.6) }
        pixels += [rgb.0, rgb.1, rgb.2]
      }
    }
    return try! RGBImage(width: 32, height: 32, pixels: pixels)
  }
}

/// A widget scene drawn for snapshots at every size and theme.
struct WidgetFixture: CustomTestStringConvertible, Sendable {
  let name: String
  let draw: @Sendable (CanvasRegion) -> Void
  var testDescription: String { name }

  static let all: [WidgetFixture] = [
    WidgetFixture(name: "frame", draw: drawFrames),
    WidgetFixture(name: "lineChart", draw: drawLossChart),
    WidgetFixture(name: "lineChartLog", draw: drawLogChart),
    WidgetFixture(name: "scatter", draw: drawScatter),
    WidgetFixture(name: "table", draw: drawTable),
    WidgetFixture(name: "image", draw: drawImage),
    WidgetFixture(name: "statusBar", draw: drawStatusBars),
    WidgetFixture(name: "textBlock", draw: drawText),
    WidgetFixture(name: "helpOverlay", draw: drawHelp),
    WidgetFixture(name: "dashboard", draw: Dashboard.draw),
  ]
}

private func drawFrames(_ region: CanvasRegion) {
  let halves = Layout.columns(region.bounds, [.fraction(0.5), .fill])
  let left = region.region(halves[0]).frame(title: "outer frame", note: "2.04")
  left.region(Rect(x: 1, y: 1, width: left.width - 2, height: left.height - 2))
    .frame(title: "a nested frame whose title is far too long to fit")
  let right = region.region(halves[1]).frame(title: "ünïcode 漢字 title")
  right.put(text: "wide 漢字 and text cut at the edge of the frame", at: Point(x: 0, y: 0))
}

private func drawLossChart(_ region: CanvasRegion) {
  let inside = region.frame(title: "ITC", note: "2.04")
  LineChart(
    series: [
      ChartSeries(
        name: "ITC",
        points: FixtureData.loss(
          steps: 1800, start: 4.2, floor: 2.0, noise: 0.15, seed: 1)),
      ChartSeries(
        name: "MLM",
        points: FixtureData.loss(
          steps: 1800, start: 6.5, floor: 2.5, noise: 0.15, seed: 2)),
    ], smoothing: 0.6, references: [ReferenceLine(value: 7.0, label: "ln(B+Q)=7.0")]
  ).draw(into: inside)
}

private func drawLogChart(_ region: CanvasRegion) {
  var points = FixtureData.loss(steps: 3000, every: 20, start: 9, floor: 0.02, noise: 0.5, seed: 3)
  points[40].y = 500  // a spike that ignoreOutliers keeps off the scale
  LineChart(
    series: [ChartSeries(name: "total", color: .magenta, points: points)],
    smoothing: 0.9, yScale: .logarithmic, ignoreOutliers: true, xFormat: .duration,
    legend: .below
  ).draw(into: region)
}

private func drawScatter(_ region: CanvasRegion) {
  let names = ["circle", "square", "ring", "triangle", "star", "cross"]
  Scatter(
    points: FixtureData.clusters(classes: names.count, perClass: 40, seed: 4),
    classes: names.map { ScatterClass(name: $0) }, markerNames: ("region", "word")
  ).draw(into: region)
}

private func drawTable(_ region: CanvasRegion) {
  Table(
    columns: [
      TableColumn("variant"), TableColumn("i2t R@1", alignment: .right, best: .highest),
      TableColumn("t2i R@1", alignment: .right, best: .highest),
      TableColumn("MLM loss", alignment: .right, best: .lowest),
      TableColumn("note", alignment: .center),
    ],
    rows: [
      ["fine tags", "0.41", "0.38", "2.61", "default"],
      ["coarse tags", "0.37", "0.40", "2.70", ""],
      ["no tags", "0.22", "0.19", "2.55", "a note far longer than any column should be"],
      ["polluted captions 30%", "0.30", "0.28", "2.93", "-"],
    ], selectedRow: 1
  ).draw(into: region)
}

private func drawImage(_ region: CanvasRegion) {
  let inside = region.frame(title: "image 32x32")
  ImageView(image: FixtureData.sceneImage()).draw(into: inside)
}

private func drawStatusBars(_ region: CanvasRegion) {
  let bar = StatusBar(
    left: [
      StatusSegment("vlp · default"), StatusSegment("● running", style: CellStyle(.green, .bold)),
      StatusSegment("step 1,840 / 6,000"),
    ], right: [StatusSegment("? help"), StatusSegment("q quit")])
  bar.draw(into: region)
  StatusBar(left: [StatusSegment("left only, a long text that the bar has to cut short")])
    .draw(into: region.region(Rect(x: 0, y: 2, width: region.width, height: 1)))
  StatusBar(left: [], right: [StatusSegment("space pause · n step · q quit")])
    .draw(into: region.region(Rect(x: 0, y: 4, width: region.width / 2, height: 1)))
}

private func drawText(_ region: CanvasRegion) {
  TextBlock(
    "ALBEF aligns image and text features before fusing them: image-text contrastive learning "
      + "(ITC) pulls matching pairs together, then masked language modelling (MLM) and "
      + "image-text matching (ITM) train the fusion layers.\nA second paragraph with "
      + "averyveryverylongwordthatmustbebrokenacrosslines to show the fallback."
  ).draw(into: region.frame(title: "about"))
}

private func drawHelp(_ region: CanvasRegion) {
  region.fill(with: "x", style: CellStyle(attributes: .dim))
  HelpOverlay(keyMap: Dashboard.keyMap, screen: "Dashboard").draw(into: region)
}
