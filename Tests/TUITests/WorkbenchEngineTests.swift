import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import TUI

/// The workbench on a real engine training a tiny session: every screen draws while training
/// runs, keys reach the engine.
@Suite(.serialized) struct WorkbenchEngineTests {
  static let session = """
    {"seed": 3,
     \(TinySession.model),
     "objectives": {"queueSize": 32},
     "training": {"batchSize": 8, "steps": 40, "learningRate": 0.001, "warmupSteps": 2},
     "data": {"world": {"pairCount": 200}},
     "evaluation": {"every": 10, "retrievalPairs": 8, "accuracyPairs": 16, "rerank": 0},
     "variants": [{"name": "a"}, {"name": "b", "set": {"objectives.distillation": false}}]}
    """

  @Test func everyScreenDrawsWhileTrainingAndKeysReachTheEngine() throws {
    let scratch = try TemporaryDirectory("tui")
    defer { scratch.remove() }
    let root = scratch.url
    try TinySession.write(Self.session, name: "tiny", in: root)
    let folder = try SessionFolder(name: "tiny", root: root)
    var options = TrainingEngine.Options()
    options.pseudoTargetInterval = 0
    options.projectionPairs = 6
    options.projectionOptions.iterations = 50
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    defer { engine.stop() }
    let workbench = Workbench(engine: engine, sessionsRoot: root)
    let canvas = Canvas(width: 120, height: 40, theme: .unicodeTrueColor)
    let deadline = Date(timeIntervalSinceNow: 60)
    var frames = 0
    while engine.snapshot.state != .finished && Date() < deadline {
      for screen in ScreenID.allCases {
        _ = workbench.handle(.character(Character(String(screen.rawValue))))
        workbench.draw(into: canvas)
        frames += 1
      }
    }
    #expect(engine.snapshot.state == .finished)
    #expect(frames > 6)
    _ = workbench.handle(.character("1"))
    workbench.draw(into: canvas)
    let text = canvas.lines().joined(separator: "\n")
    #expect(text.contains("ITC") && text.contains("MLM") && text.contains("ITM"), "\(text)")
  }

  /// The chart smoothing is the workbench's: `[` and `]` change it while the engine trains,
  /// every screen draws with the new weight, and it stays within [0, 0.999].
  @Test func smoothingChangesWhileTraining() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("vlp-tui-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = try SessionFolder(name: "tiny", root: root)
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try Data(Self.session.utf8).write(to: folder.sessionFile)
    var options = TrainingEngine.Options()
    options.pseudoTargetInterval = 0
    options.targetStep = 1_000
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    defer { engine.stop() }
    let workbench = Workbench(engine: engine, sessionsRoot: root)
    let canvas = Canvas(width: 120, height: 40, theme: .unicodeTrueColor)
    let deadline = Date(timeIntervalSinceNow: 60)
    while engine.snapshot.step < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    #expect(engine.snapshot.state == .running)
    #expect(workbench.smoothing == 0.6)
    _ = workbench.handle(.character("]"))
    _ = workbench.handle(.character("]"))
    #expect(workbench.smoothing == 0.7)
    workbench.draw(into: canvas)
    #expect(canvas.lines().joined(separator: "\n").contains("smoothing 0.70"))
    for _ in 0..<20 { _ = workbench.handle(.character("[")) }
    #expect(workbench.smoothing == 0)
    for _ in 0..<30 { _ = workbench.handle(.character("]")) }
    #expect(workbench.smoothing == Smoothing.maximumWeight)
    _ = workbench.handle(.character("5"))
    workbench.draw(into: canvas)
    #expect(canvas.lines().joined(separator: "\n").contains("smoothing 1.00"), "compare screen")
    #expect(engine.snapshot.state == .running, "the keys did not stop training")
  }
}
