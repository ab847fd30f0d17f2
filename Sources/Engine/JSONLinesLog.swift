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
/// never a checkpoint, and resuming cuts the log back to the checkpoint's step anyway.
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

  /// The file's lines with their 1-based numbers. A last line without its newline is what a
  /// process killed mid-write leaves: it is dropped. A missing file has no lines.
  static func lines(of url: URL) throws -> [(number: Int, text: String)] {
    guard FileManager.default.fileExists(atPath: url.path) else { return [] }
    guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8)
    else {
      throw SessionError.corruptLog(path: url.relativePath, line: 1, detail: "not UTF-8 text")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeLast()  // "" after the final newline, or the partial line a killed writer left
    return lines.enumerated().compactMap { index, line in
      line.trimmingCharacters(in: .whitespaces).isEmpty ? nil : (index + 1, line)
    }
  }

  /// Reads every record; `parse` gets the line, the path and the line number.
  static func records<Record>(
    of url: URL, _ parse: (String, String, Int) throws -> Record
  ) throws -> [Record] {
    try lines(of: url).map { try parse($0.text, url.relativePath, $0.number) }
  }

  /// Rewrites the file keeping only the lines `keep` accepts (atomically: a crash leaves the
  /// old file or the new one).
  static func rewrite(_ url: URL, keeping keep: (String) -> Bool) throws {
    let kept = try lines(of: url).map(\.text).filter(keep)
    guard FileManager.default.fileExists(atPath: url.path) else { return }
    try writeFileAtomically(Data((kept.map { $0 + "\n" }.joined()).utf8), to: url)
  }
}
