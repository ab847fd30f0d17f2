import Engine
import Foundation
import TUI

/// `vlp bench tui`: what the interface costs. Median ms to draw each screen into a 160x48
/// canvas (terminal output excluded) from a live engine, and training steps per second of the
/// `default` session headless against the same with the workbench drawing 10 frames a second.
public enum TUIBenchmark {
  /// Trains copies of `folder`'s session (its files are not touched) for `seconds` each, and
  /// prints the report.
  public static func run(folder: SessionFolder, seconds: Double, frames: Int) throws {
    var options = TrainingEngine.Options()
    options.targetStep = 1_000_000
    options.evaluateAtEnd = false

    // Steps per second without and with the workbench; the session's files are not touched:
    // each run trains a copy in a temporary folder.
    func measure(drawing: Bool) throws -> (stepsPerSecond: Double, drawMilliseconds: [ScreenID: Double]) {
      let root = FileManager.default.temporaryDirectory.appendingPathComponent("vlp-bench-tui-\(UUID())")
      defer { try? FileManager.default.removeItem(at: root) }
      let copy = try SessionFolder(name: "default", root: root)
      try FileManager.default.createDirectory(at: copy.url, withIntermediateDirectories: true)
      try FileManager.default.copyItem(at: folder.sessionFile, to: copy.sessionFile)
      let engine = try TrainingEngine(folder: copy, overrides: ["evaluation.every=0"], options: options)
      engine.start()
      defer { engine.stop() }
      while engine.snapshot.step < 20 { Thread.sleep(forTimeInterval: 0.05) }
      let workbench = Workbench(engine: engine, sessionsRoot: root)
      let canvas = Canvas(width: 160, height: 48, theme: .unicodeTrueColor)
      let first = engine.snapshot.step
      let start = Date()
      while Date().timeIntervalSince(start) < seconds {
        if drawing { workbench.draw(into: canvas) }
        Thread.sleep(forTimeInterval: 0.1)
      }
      let rate = Double(engine.snapshot.step - first) / Date().timeIntervalSince(start)
      var times: [ScreenID: Double] = [:]
      if drawing {
        engine.pause()
        for screen in ScreenID.allCases {
          _ = workbench.handle(.character(Character(String(screen.rawValue))))
          Thread.sleep(forTimeInterval: 0.5)
          var samples: [Double] = []
          for _ in 0..<frames {
            let begin = DispatchTime.now().uptimeNanoseconds
            workbench.draw(into: canvas)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
          }
          times[screen] = samples.sorted()[samples.count / 2]
        }
      }
      return (rate, times)
    }
    let headless = try measure(drawing: false)
    let drawn = try measure(drawing: true)
    print("draw time per frame at 160x48 (median of \(frames)):")
    for screen in ScreenID.allCases {
      print("  " + screen.title.padding(toLength: 16, withPad: " ", startingAt: 0)
        + String(format: "%6.2f ms", drawn.drawMilliseconds[screen] ?? 0))
    }
    print(String(
      format: "default: %.2f steps/s headless, %.2f steps/s with the workbench drawing 10 frames/s (%+.1f%%)",
      headless.stepsPerSecond, drawn.stepsPerSecond,
      100 * (drawn.stepsPerSecond / headless.stepsPerSecond - 1)))
  }
}
