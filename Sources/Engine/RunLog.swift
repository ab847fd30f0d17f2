import Foundation

/// run.log: one timestamped line per thing the engine did (start, resume, evaluation,
/// checkpoint, error, stop), appended and flushed at once so that it survives a crash.
final class RunLog {
  let url: URL
  private(set) var lastLine = ""

  init(url: URL) { self.url = url }

  func write(_ message: String) {
    lastLine = message
    let formatter = ISO8601DateFormatter()
    let line = "\(formatter.string(from: Date())) \(message)\n"
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
