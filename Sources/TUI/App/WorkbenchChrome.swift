import Engine
import Foundation
import VLP

/// The parts around every screen: the title bar, the tab bar, the footer and the quit question.
enum WorkbenchChrome {
  static func stateMarker(_ state: EngineState, glyphs: GlyphSet) -> String {
    let marker: String
    switch state {
    case .running: marker = "● running"
    case .paused: marker = "◌ paused"
    case .loading: marker = "… loading"
    case .finished: marker = "✓ finished"
    case .stopped: marker = "stopped"
    case .failed: marker = "✗ failed"
    case .watching: marker = "◉ watching"
    }
    return glyphs.text(marker)
  }

  static func statusText(_ snapshot: EngineSnapshot) -> String {
    var text = "vlp \(snapshot.session) \(snapshot.state) \(snapshot.step)/\(snapshot.targetStep)"
    if let latest = snapshot.variants.first?.latest {
      text += " " + latest.losses.map { "\($0.name) \(NumberFormat.compact(Double($0.value)))" }
        .joined(separator: " ")
    }
    return text
  }

  static func drawTitle(into region: CanvasRegion, snapshot: EngineSnapshot, screen: ScreenID) {
    let theme = region.theme
    region.fill(style: theme.statusBar)
    let percent = snapshot.targetStep > 0 ? 100 * snapshot.step / snapshot.targetStep : 0
    var right = "\(stateMarker(snapshot.state, glyphs: region.glyphs))   step \(grouped(snapshot.step)) / \(grouped(snapshot.targetStep))   \(percent)%"
    if snapshot.stepsPerSecond > 0 {
      right += String(format: "   %.1f steps/s", snapshot.stepsPerSecond)
    }
    let family = snapshot.variants.first.map { $0.configuration.model.family.rawValue.uppercased() } ?? ""
    let variants = snapshot.variants.count > 1 ? ", " + snapshot.variants.map(\.name).joined(separator: " / ") : ""
    StatusBar(
      left: [StatusSegment(region.glyphs.text(" vlp · \(snapshot.session) (\(family)\(variants)) ─ \(screen.title)"))],
      right: [StatusSegment(right + " ")]
    ).draw(into: region)
  }

  static func drawTabs(into region: CanvasRegion, current: ScreenID) {
    var x = 1
    let full = ScreenID.allCases.map { DisplayWidth.of("\($0.rawValue) \($0.title)") + 2 }.reduce(0, +)
    let short = full + 8 > region.width
    for screen in ScreenID.allCases {
      let label = "\(screen.rawValue) \(short ? screen.shortTitle : screen.title)"
      let style = screen == current ? region.theme.highlight.adding(.reverse) : region.theme.text
      region.put(text: label, at: Point(x: x, y: 0), style: style)
      x += DisplayWidth.of(label) + 2
    }
    region.put(text: "? help", at: Point(x: region.width - 7, y: 0), width: 7, alignment: .right, style: region.theme.dim)
  }

  /// `hint`: the screen's own keys (or `message` after an action), left; `keys`: the global
  /// keys that work on this screen, right.
  static func drawFooter(into region: CanvasRegion, hint: String, message: String?, keys: String) {
    let theme = region.theme
    StatusBar(
      left: [StatusSegment(region.glyphs.text(" " + (message ?? hint)), style: message == nil ? theme.dim : theme.highlight)],
      right: [StatusSegment(region.glyphs.text(keys + " "), style: theme.dim)]
    ).draw(into: region)
  }

  static func drawQuitQuestion(into region: CanvasRegion, step: Int) {
    let lines = [
      "Training is running.",
      "Quit? The run is saved at step \(step) first",
      "and resumes from there next time.",
      "",
      "y quit    n (or any key) keep training",
    ]
    let width = min(region.width, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4)
    let height = min(region.height, lines.count + 2)
    let box = region.region(
      Rect(x: (region.width - width) / 2, y: (region.height - height) / 2, width: width, height: height))
    box.fill()
    let inside = box.frame(title: "quit?", titleStyle: region.theme.highlight)
    for (row, line) in lines.enumerated() {
      inside.put(text: " " + line, at: Point(x: 0, y: row), style: row == 4 ? region.theme.key : region.theme.text)
    }
  }
}
