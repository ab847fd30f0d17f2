import Foundation

@testable import VLP

/// Collects what the loader reports, from any thread.
final class EventLog: @unchecked Sendable {
  private let lock = NSLock()
  private var events: [CorpusEvent] = []

  var record: CorpusProgress { { [self] event in lock.withLock { events.append(event) } } }

  var imageProgress: [(done: Int, total: Int)] {
    lock.withLock {
      events.compactMap {
        if case .preparingImages(let done, let total) = $0 { return (done, total) }
        return nil
      }
    }
  }

  var skipped: [DataProblem] {
    lock.withLock {
      events.compactMap {
        if case .skipped(let problem) = $0 { return problem }
        return nil
      }
    }
  }
}
