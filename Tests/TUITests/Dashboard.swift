@testable import TUI

/// A dashboard-like screen built from the widgets, as the lead's dashboard will be: a title bar,
/// a grid of loss panes that shrinks with the terminal, a table of current values, and a
/// status line. Used for a snapshot at every size and for the cell-storage check.
enum Dashboard {
  static let keyMap = KeyMap(
    global: StandardKeys.global,
    screens: [
      KeyTable(
        name: "Dashboard",
        bindings: [
          KeyBinding([.space], .togglePause, "pause or resume training"),
          KeyBinding([.character("n")], .step, "one step while paused"),
          KeyBinding([.character("[")], .smoothLess, "less smoothing"),
          KeyBinding([.character("]")], .smoothMore, "more smoothing"),
          KeyBinding([.character("y")], .toggleLogScale, "linear or log y axis"),
          KeyBinding([.character("x")], .toggleTimeAxis, "x axis by step or by time"),
          KeyBinding([.character("e")], .enlarge, "enlarge the selected pane"),
          KeyBinding(
            [.left, .right, .up, .down, .character("h"), .character("l")], .move,
            "select a pane"),
        ])
    ])

  static func draw(_ region: CanvasRegion) {
    let rows = Layout.rows(region.bounds, [.fixed(1), .fill, .fixed(1)])
    StatusBar(
      left: [StatusSegment("vlp · default (ALBEF)"), StatusSegment("step 1,840 / 6,000")],
      right: [StatusSegment("● running")]
    ).draw(into: region.region(rows[0]))
    let losses: [(String, Double, Double)] = [
      ("ITC", 4.2, 2.0), ("MLM", 7.0, 2.5), ("ITM", 0.7, 0.3), ("MVM", 0.3, 0.08),
      ("total", 14, 5),
    ]
    let grid = PaneGrid.fitting(
      paneCount: losses.count + 1, in: rows[1], minimumWidth: 30, minimumHeight: 9)
    for (index, rect) in grid.rects(in: rows[1]).enumerated() {
      let pane = region.region(rect)
      guard index < losses.count else {
        drawNow(pane.frame(title: "now"))
        continue
      }
      let (name, start, floor) = losses[index]
      let points = FixtureData.loss(
        steps: 1800, start: start, floor: floor, noise: 0.25, seed: UInt64(index + 10))
      LineChart(
        series: [ChartSeries(name: name, color: pane.theme.seriesColor(index), points: points)],
        smoothing: 0.6
      ).draw(into: pane.frame(title: name, note: NumberFormat.compact(points.last!.y)))
    }
    StatusBar(
      left: [
        StatusSegment("smoothing 0.60"), StatusSegment("y: linear"), StatusSegment("x: step"),
      ],
      right: [StatusSegment("space pause"), StatusSegment("? help")]
    ).draw(into: region.region(rows[2]))
  }

  private static func drawNow(_ region: CanvasRegion) {
    Table(
      columns: [TableColumn("value"), TableColumn("now", alignment: .right)],
      rows: [
        ["lr", "8.7e-05"], ["alpha", "0.40"], ["temperature", "0.061"], ["queue", "1024"],
        ["speed", "21.4/s"],
      ]
    ).draw(into: region)
  }
}
