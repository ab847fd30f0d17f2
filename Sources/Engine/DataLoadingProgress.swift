import Formatting
import Foundation
import Synchronization
import VLP

/// What loading a real data set says while the run starts: image-cache progress with an ETA
/// (the TUI's status line; stderr for `vlp run`) and, once, each item that `skipInvalid`
/// skipped (written to run.log by the run).
final class DataLoadingProgress: Sendable {
  private struct State {
    var start: Date?
    var lastShown = Date.distantPast
    var skipped: [DataProblem] = []
  }

  private let state = Mutex(State())
  private let announce: @Sendable (String) -> Void

  init(announce: @escaping @Sendable (String) -> Void) { self.announce = announce }

  /// The skipped items heard so far, each once.
  var skipped: [DataProblem] { state.withLock { $0.skipped } }

  var handler: CorpusProgress { { [self] event in handle(event) } }

  func handle(_ event: CorpusEvent) {
    switch event {
    case .skipped(let problem):
      state.withLock { $0.skipped.append(problem) }
    case .preparingImages(let done, let total):
      let now = Date()
      let line: String? = state.withLock { state in
        let start = state.start ?? now
        state.start = start
        // A few lines a second at most; always the last.
        guard done == total || now.timeIntervalSince(state.lastShown) >= 0.25 else { return nil }
        state.lastShown = now
        return Self.line(done: done, total: total, elapsed: now.timeIntervalSince(start))
      }
      if let line { announce(line) }
    case .loaded(let summary):
      announce(summary)
    }
  }

  /// `preparing images [#####.....] 512/1,024 (50%) ETA 12s`
  static func line(done: Int, total: Int, elapsed: Double) -> String {
    let fraction = total > 0 ? Double(done) / Double(total) : 1
    let filled = Int((fraction * 20).rounded(.down))
    var text = "preparing images [" + String(repeating: "#", count: filled)
      + String(repeating: ".", count: 20 - filled) + "] \(done)/\(total) ("
      + "\(Int((fraction * 100).rounded(.down)))%)"
    if done > 0 && done < total {
      text += " ETA " + DurationFormat.text(elapsed / Double(done) * Double(total - done))
    }
    return text
  }
}
