import Foundation
import Testing

@testable import Engine
@testable import TSNE
@testable import TUI
@testable import VLP

/// The projection screen: its progress bar, Esc cancelling the t-SNE under way (and going back
/// otherwise), `p` placing the current weights into the map, and 20,000 points drawn as shades.
@Suite struct ProjectionScreenTests {
  func workbench(_ projection: ProjectionSnapshot) -> (Workbench, FakeEngine) {
    var snapshot = ScreenFixtures.snapshot()
    snapshot.projection = projection
    let engine = FakeEngine(snapshot)
    let workbench = Workbench(engine: engine, sessionsRoot: FileManager.default.temporaryDirectory)
    _ = workbench.handle(.character("4"))
    return (workbench, engine)
  }

  static func running() -> ProjectionSnapshot {
    var projection = ScreenFixtures.projection()
    projection.isFinished = false
    projection.progress = ProjectionProgress(
      phase: .optimising, done: 700, total: 2000, elapsed: 14, secondsLeft: 26)
    return projection
  }

  @Test func escCancelsARunningTSNEAndGoesBackOtherwise() {
    let (workbench, engine) = workbench(Self.running())
    _ = workbench.handle(.escape)
    #expect(engine.commands == ["cancel projection"])
    #expect(workbench.screen == .projection, "Esc cancelled; it did not leave the screen")
    #expect(workbench.message?.contains("cancelled") == true)
    _ = workbench.handle(.escape)
    #expect(engine.commands == ["cancel projection"], "nothing runs any more")
    #expect(workbench.screen == .dashboard)
  }

  @Test func keysAskForALayoutOrAPlacement() {
    let (workbench, engine) = workbench(ScreenFixtures.projection())
    _ = workbench.handle(.character("p"))
    _ = workbench.handle(.character("r"))
    #expect(engine.commands == ["place tokens", "project tokens"])
  }

  @Test func progressBarSaysPhaseIterationAndTimeLeft() {
    let (workbench, engine) = workbench(Self.running())
    for (width, height) in [(80, 24), (160, 48)] {
      let canvas = Canvas(width: width, height: height, theme: .unicodeTrueColor)
      workbench.draw(into: canvas)
      expectSnapshot(canvas, named: "screens/projection-states/running-\(width)x\(height)")
    }
    let text = { () -> String in
      let canvas = Canvas(width: 160, height: 48, theme: .unicodeMonochrome)
      workbench.draw(into: canvas)
      return canvas.lines().joined(separator: "\n")
    }
    #expect(text().contains("[███████░░░░░░░░░░░░░] optimising · iteration 700/2,000 · 14s, 26s left · Esc cancels"))
    let narrow = Canvas(width: 80, height: 24, theme: .unicodeMonochrome)
    workbench.draw(into: narrow)
    #expect(narrow.lines().joined().contains("[████░░░░░░░░░] optimising · iteration 700/2,000 · 14s, 26s left · Esc cancels"))
    engine.cancelProjection()
    #expect(text().contains("cancelled · r starts from scratch"))
  }

  /// 20,000 points in three clusters of very different density, and the same map placed into
  /// by a later checkpoint: snapshots at two sizes, in colour, without, and in ASCII.
  @Test func manyPointsAreDrawnAsShades() {
    var projection = Self.dense(points: 20_000)
    let (workbench, _) = workbench(projection)
    for (width, height) in [(80, 24), (160, 48)] {
      for (theme, suffix) in [(Theme.unicodeTrueColor, "color"), (.unicodeMonochrome, "plain")] {
        let canvas = Canvas(width: width, height: height, theme: theme)
        workbench.draw(into: canvas)
        expectSnapshot(canvas, named: "screens/projection-states/dense-\(width)x\(height)-\(suffix)")
      }
    }
    let ascii = Canvas(width: 80, height: 24, theme: .asciiMonochrome)
    workbench.draw(into: ascii)
    expectSnapshot(ascii, named: "screens/projection-states/dense-80x24-ascii")
    #expect(ascii.lines().joined().unicodeScalars.allSatisfy { $0.isASCII })
    projection.referenceStep = 100
    let (placed, _) = self.workbench(projection)
    let canvas = Canvas(width: 160, height: 48, theme: .unicodeMonochrome)
    placed.draw(into: canvas)
    expectSnapshot(canvas, named: "screens/projection-states/placed-160x48")
  }

  /// Three classes: a tight cluster of 80%, a loose one of 19%, a scatter of 1%.
  static func dense(points: Int) -> ProjectionSnapshot {
    var state: UInt64 = 7
    func uniform() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(state >> 40) / Float(1 << 24)
    }
    var labels: [FeatureLabel] = []
    var embedding: [Float] = []
    for index in 0..<points {
      let fraction = Double(index) / Double(points)
      let fineClass = fraction < 0.8 ? 0 : fraction < 0.99 ? 1 : 2
      let (centre, spread): ((Float, Float), Float) =
        fineClass == 0 ? ((-20, 0), 4) : fineClass == 1 ? ((20, 10), 15) : ((0, -30), 40)
      // A sum of uniforms: roughly Gaussian, and the same on every machine.
      let (gx, gy) = ((0..<4).map { _ in uniform() - 0.5 }.reduce(0, +), (0..<4).map { _ in uniform() - 0.5 }.reduce(0, +))
      labels.append(FeatureLabel(pairIndex: index / 2, modality: .image, fineClass: fineClass, text: "x"))
      embedding += [centre.0 + spread * gx, centre.1 + spread * gy]
    }
    let panel = ProjectionPanel(
      variant: "large",
      labels: labels,
      tsne: TSNESnapshot(
        iteration: 1000, totalIterations: 1000, method: .barnesHut, embedding: embedding,
        klDivergence: 3.12, klDivergenceIteration: 1000, isExaggerating: false, isFinished: true),
      purity: 0.97)
    return ProjectionSnapshot(
      request: 1, kind: .tokens, step: 300, panels: [panel], isFinished: true,
      progress: ProjectionProgress(phase: .finished, elapsed: 95))
  }
}
