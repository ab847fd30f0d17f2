import Formatting
import Foundation
import VLP

/// `vlp run`: trains a session without a terminal UI, printing a progress line every few
/// seconds and each evaluation as it lands, until the target step, a failure or a stop request
/// (Ctrl-C, SIGTERM), and saves on the way out.
public enum HeadlessRun {
  public static func run(
    _ engine: TrainingEngine, interval: Double = 5, print: (String) -> Void
  ) -> EngineSnapshot {
    engine.start()
    var lastLine = Date()
    var printedSteps: [String: Int] = [:]
    var printedEvaluations: [String: Int] = [:]
    var announced = false
    var loadingMessage = ""
    while true {
      Thread.sleep(forTimeInterval: 0.1)
      let snapshot = engine.snapshot
      // Loading a real data set: the image cache's progress bar and ETA, on stderr.
      if snapshot.state == .loading, !snapshot.message.isEmpty, snapshot.message != loadingMessage {
        let message = snapshot.message
        loadingMessage = message
        FileHandle.standardError.write(Data((message + "\n").utf8))
      }
      if !announced, snapshot.state != .loading {
        announced = true
        if case .failed = snapshot.state {} else {
          print(
            (snapshot.resumedFrom.map { "resumed \(snapshot.session) from step \($0)" }
              ?? "training \(snapshot.session)") + " to step \(snapshot.targetStep) ("
              + snapshot.variants.map(\.name).joined(separator: ", ") + ")")
        }
        for notice in snapshot.notices { print("note: " + notice) }
      }
      for variant in snapshot.variants {
        for record in variant.evaluations where record.step > printedEvaluations[variant.name, default: snapshot.resumedFrom ?? 0] {
          print(evaluationLine(record))
          printedEvaluations[variant.name] = record.step
        }
      }
      let due = Date().timeIntervalSince(lastLine) >= interval
      switch snapshot.state {
      case .loading, .running, .paused:
        if due && snapshot.step > 0 {
          for line in progressLines(snapshot, since: printedSteps) { print(line) }
          for variant in snapshot.variants { printedSteps[variant.name] = variant.latest?.step ?? 0 }
          lastLine = Date()
        }
      case .finished, .failed, .stopped, .watching:
        engine.stop()
        let final = engine.snapshot
        for line in progressLines(final, since: printedSteps) { print(line) }
        return final
      }
    }
  }

  /// One line per variant: mean losses over the steps since the last line, speed and ETA.
  static func progressLines(_ snapshot: EngineSnapshot, since printed: [String: Int]) -> [String] {
    snapshot.variants.compactMap { variant -> String? in
      let first = printed[variant.name] ?? snapshot.resumedFrom ?? 0
      var sums: [(String, Double, Int)] = []
      var index = variant.history.count - 1
      while index >= 0, variant.history[index].step > first {
        for loss in variant.history[index].losses where loss.value.isFinite {
          if let slot = sums.firstIndex(where: { $0.0 == loss.name }) {
            sums[slot].1 += Double(loss.value)
            sums[slot].2 += 1
          } else {
            sums.append((loss.name, Double(loss.value), 1))
          }
        }
        index -= 1
      }
      guard !sums.isEmpty else { return nil }
      let losses = sums.map { "\($0.0) \(String(format: "%.3f", $0.1 / Double($0.2)))" }
      var line = snapshot.variants.count > 1 ? "[\(variant.name)] " : ""
      line += "step \(snapshot.step)/\(snapshot.targetStep)  " + losses.joined(separator: "  ")
      if snapshot.stepsPerSecond > 0 {
        line += String(format: "  %.1f steps/s", snapshot.stepsPerSecond)
      }
      if let left = snapshot.estimatedSecondsLeft, left > 0 { line += "  ETA " + DurationFormat.text(left) }
      return line
    }
  }

  /// The scores with the retrieval pool they were ranked in and R@1's chance level.
  static func evaluationLine(_ record: EvaluationRecord) -> String {
    "eval step \(record.step) [\(record.variant)]: "
      + record.metrics.map { "\($0.name) \(String(format: "%.3f", $0.value))" }.joined(separator: " ")
      + " (pool \(record.retrievalPairs), chance R@1 "
      + String(format: "%.3f", 1 / Double(max(1, record.retrievalPairs))) + ")"
  }
}
