import Foundation
import Synchronization

/// run.log: one timestamped line per thing the engine did (start, resume, evaluation,
/// checkpoint, error, stop), appended and flushed at once so that it survives a crash.
/// Sendable because the projection job's thread logs its failures too; the lock keeps two
/// threads' lines whole and in the order they were written.
final class RunLog: Sendable {
  let url: URL
  private let last = Mutex("")

  init(url: URL) { self.url = url }

  var lastLine: String { last.withLock { $0 } }

  func write(_ message: String) {
    let line = "\(ISO8601DateFormatter().string(from: Date())) \(message)\n"
    last.withLock { lastLine in
      lastLine = message
      if !FileManager.default.fileExists(atPath: url.path) {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
      }
      // The log is a convenience: a failure to write it must not stop training.
      guard let handle = try? FileHandle(forWritingTo: url) else { return }
      defer { try? handle.close() }
      _ = try? handle.seekToEnd()
      try? handle.write(contentsOf: Data(line.utf8))
    }
  }
}
