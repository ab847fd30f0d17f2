import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// Temporary session folders holding a tiny ALBEF session (trains in milliseconds per step).
struct TemporarySessions {
  let directory: TemporaryDirectory
  var root: URL { directory.url }

  init() throws { directory = try TemporaryDirectory("engine") }

  func remove() { directory.remove() }

  static let tinyConfiguration = """
    "seed": 3,
    \(TinySession.model),
    "objectives": {"itc": 1, "mlm": 1, "itm": 1, "distillation": true, "queueSize": 32},
    "training": {"batchSize": 8, "steps": 12, "learningRate": 0.001, "warmupSteps": 2},
    "data": {"world": {"pairCount": 200}},
    "evaluation": {"every": 4, "retrievalPairs": 10, "accuracyPairs": 16, "rerank": 0}
    """

  /// Writes `sessions/NAME/session.json` with the tiny configuration plus `extra` top-level
  /// entries (each `"key": value`).
  @discardableResult
  func make(_ name: String, extra: [String] = []) throws -> SessionFolder {
    let folder = try SessionFolder(name: name, root: root)
    let body = ([Self.tinyConfiguration] + extra).joined(separator: ",\n")
    try TinySession.write("{\n\(body)\n}\n", name: name, in: root)
    return folder
  }
}

extension TrainingEngine {
  /// Polls until `condition` holds for the snapshot (or fails the test after `seconds`).
  func wait(
    seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
    until condition: (EngineSnapshot) -> Bool
  ) -> EngineSnapshot {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while Date() < deadline {
      let current = snapshot
      if condition(current) { return current }
      Thread.sleep(forTimeInterval: 0.005)
    }
    Issue.record("timed out; last state \(snapshot.state), step \(snapshot.step)", sourceLocation: sourceLocation)
    return snapshot
  }

  /// Trains to `step` and stops (saving).
  func runToCompletion() -> EngineSnapshot {
    start()
    _ = wait { $0.state == .finished || $0.state.isTerminal }
    stop()
    return snapshot
  }
}

/// The losses of a variant's records, as bit patterns, by step.
func lossBits(_ records: [MetricRecord], variant: String) -> [[UInt32]] {
  records.filter { $0.variant == variant }.sorted { $0.step < $1.step }.map {
    $0.losses.map(\.value.bitPattern)
  }
}

func metrics(_ folder: SessionFolder) throws -> [MetricRecord] {
  try SessionLog.records(of: folder.metricsFile, as: MetricRecord.self)
}
