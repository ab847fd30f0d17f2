import Foundation
import Testing

@testable import Engine

@Suite struct SnapshotStressTests {
  /// Reading snapshots (every field of every variant) while the engine trains and publishes.
  @Test func snapshotsStayIntactWhileTraining() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make(
      "stress", extra: [#""variants": [{"name": "a"}, {"name": "bb"}]"#])
    var options = TrainingEngine.Options()
    options.targetStep = 40
    options.pseudoTargetInterval = 0
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    defer { engine.stop() }
    var reads = 0
    while engine.snapshot.state != .finished && !engine.snapshot.state.isTerminal {
      let snapshot = engine.snapshot
      for variant in snapshot.variants {
        #expect(variant.name == "a" || variant.name == "bb")
        _ = variant.history.lossNames.joined()
        _ = variant.data.heldOutPairs.count
        _ = variant.pseudoTargets?.maskedPositions.count
        _ = variant.referenceLevels.map(\.formula).joined()
      }
      reads += 1
    }
    #expect(reads > 0)
  }
}
