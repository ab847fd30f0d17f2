import Foundation
import NN

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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

  /// Appends the pending lines in one write (O_APPEND), so the file only ever grows by whole
  /// lines: a write that fails part-way (EFBIG under `ulimit -f`, ENOSPC) is cut back to where
  /// the file ended, and only a kill mid-write can leave a torn last line, which readers skip.
  func flush() throws {
    guard !pending.isEmpty else { return }
    let bytes = Array((pending.joined(separator: "\n") + "\n").utf8)
    pending.removeAll(keepingCapacity: true)
    let path = url.relativePath
    let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode_t(0o644))
    guard descriptor >= 0 else {
      throw SessionError.io(path: path, detail: "cannot open to append: " + writeFailureText())
    }
    defer { close(descriptor) }
    var status = stat()
    let start = fstat(descriptor, &status) == 0 ? off_t(status.st_size) : -1
    // One write, except under fault injection, which stops a kill between two halves.
    let halves = FaultPoint.isArmed("log.append")
    var done = 0
    while done < bytes.count {
      let chunk = halves && done == 0 ? max(1, bytes.count / 2) : bytes.count - done
      let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + done, chunk) }
      if result < 0 {
        if errno == EINTR { continue }
        let detail = writeFailureText()
        if start >= 0 { _ = ftruncate(descriptor, start) }  // no torn line behind us
        throw SessionError.io(path: path, detail: "cannot append: " + detail)
      }
      done += result
      if done < bytes.count { FaultPoint.reach("log.append") }
    }
  }
}
