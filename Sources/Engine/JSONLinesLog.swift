import Foundation
import NN

/// An append-only log of one JSON object per line (metrics.jsonl, eval.jsonl). Lines are
/// buffered and written by `flush()`, which the engine calls about once a second, at every
/// checkpoint and before it stops: a killed process loses at most the last second of lines,
/// never a checkpoint, and resume sets aside what was logged past the checkpoint's step
/// (`SessionLog`, the one reader of these files).
final class JSONLinesLog {
  let url: URL
  private var pending: [String] = []

  init(url: URL) { self.url = url }

  func append(_ line: String) { pending.append(line) }

  func flush() throws {
    guard !pending.isEmpty else { return }
    let text = pending.joined(separator: "\n") + "\n"
    pending.removeAll(keepingCapacity: true)
    if !FileManager.default.fileExists(atPath: url.path) {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw SessionError.io(path: url.relativePath, detail: "cannot create the file")
      }
    }
    do {
      let handle = try FileHandle(forWritingTo: url)
      defer { try? handle.close() }
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(text.utf8))
    } catch {
      throw SessionError.io(path: url.relativePath, detail: "cannot append: \(error)")
    }
  }
}
