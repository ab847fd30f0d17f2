import Foundation
import NN
import Tensor

/// A record of a session log: one line of metrics.jsonl or eval.jsonl.
protocol SessionLogRecord {
  init(jsonLine: String, path: String, lineNumber: Int) throws
  var step: Int { get }
}

extension MetricRecord: SessionLogRecord {}
extension EvaluationRecord: SessionLogRecord {}

/// The one reader of a session's JSON Lines logs (metrics.jsonl, eval.jsonl), shared by resume,
/// export, the sessions list and the workbench, so that they never disagree about a file.
///
/// The rules (docs/reliability.md): vlp never deletes or rewrites a line the user may need. A
/// reader skips a final line without its newline (a writer may be in the middle of it). Resume
/// sets aside only that torn final line and records past the checkpoint it restarts from, by
/// appending them to `FILE.set-aside` beside the log before removing them from it. Any other
/// damage (a line that is not a record, not UTF-8) is refused with FILE:LINE and changes
/// nothing.
public enum SessionLog {
  /// The largest log read: about four million steps of one variant.
  public static let maximumBytes = 1 << 30

  struct Line {
    /// 1-based, for messages.
    var number: Int
    var text: String
  }

  struct Contents {
    /// The complete lines, blank ones skipped.
    var lines: [Line] = []
    /// The bytes after the last newline: what a writer killed mid-line leaves.
    var tornTail: [UInt8] = []
  }

  /// Where resume puts the lines it takes out of `log`.
  public static func setAsideFile(for log: URL) -> URL {
    log.deletingLastPathComponent().appendingPathComponent(log.lastPathComponent + ".set-aside")
  }

  /// Every complete record of `url` (none when the file does not exist); a torn final line is
  /// skipped. Throws `SessionError.corruptLog` naming the first damaged line.
  static func records<Record: SessionLogRecord>(of url: URL, as type: Record.Type) throws
    -> [Record]
  {
    try parse(try contents(of: url), url: url)
  }

  /// What resume does to a log before training on from `checkpointStep`: every complete line
  /// must be a record (else nothing is changed and the first bad line is reported); records
  /// past the step and a torn final line are moved to the set-aside file. Returns the records
  /// kept and how many lines were set aside.
  static func prepareForResume<Record: SessionLogRecord>(
    _ url: URL, checkpointStep: Int, as type: Record.Type
  ) throws -> (records: [Record], setAside: Int) {
    let contents = try contents(of: url)
    let records: [Record] = try parse(contents, url: url)
    let keep = records.map { $0.step <= checkpointStep }
    var moved = zip(contents.lines, keep).filter { !$1 }.map { Array(($0.0.text + "\n").utf8) }
    if !contents.tornTail.isEmpty {
      // Byte for byte: a torn line may end inside a character, or not be UTF-8 at all.
      moved.append(contents.tornTail + [0x0A])
    }
    guard !moved.isEmpty else { return (records, 0) }
    // First the copy, flushed to disk, then the log without those lines: a crash in between
    // leaves a line in both files, never in neither.
    try appendDurably(moved.flatMap { $0 }, to: setAsideFile(for: url))
    let kept = zip(contents.lines, keep).filter { $1 }.map { $0.0.text + "\n" }.joined()
    do {
      try writeFileAtomically(Data(kept.utf8), to: url)
    } catch {
      throw SessionError.io(path: url.relativePath, detail: "cannot rewrite the log: \(error)")
    }
    return (zip(records, keep).filter { $1 }.map(\.0), moved.count)
  }

  /// The file's lines; a missing file is empty. A failure to read reports the system's reason.
  static func contents(of url: URL) throws -> Contents {
    let bytes: [UInt8]
    do throws(UserFileError) {
      bytes = try UserFile.read(url.path, limit: maximumBytes)
    } catch .missing {
      return Contents()
    } catch {
      throw SessionError.io(path: url.relativePath, detail: error.reason)
    }
    var contents = Contents()
    var start = 0
    var number = 0
    while let end = bytes[start...].firstIndex(of: 0x0A) {
      number += 1
      let slice = bytes[start..<end]
      start = end + 1
      if let text = try text(ofLine: slice, number: number, path: url.relativePath) {
        contents.lines.append(Line(number: number, text: text))
      }
    }
    contents.tornTail = Array(bytes[start...])
    return contents
  }

  /// One complete line (without its newline) by the log's rules: nil when blank, else its
  /// text; bytes that are not UTF-8 are damage, named by line. Every reader of a session log
  /// splits it with this: resume, export, the workbench's watcher and `vlp watch`
  /// (`SessionLogRules`).
  static func text(ofLine line: ArraySlice<UInt8>, number: Int, path: String) throws -> String? {
    guard let text = String(validating: line, as: UTF8.self) else {
      throw SessionError.corruptLog(path: path, line: number, detail: "not UTF-8 text")
    }
    return text.allSatisfy(\.isWhitespace) ? nil : text
  }

  /// The records of lines a watcher followed, by the same rules: the records before the first
  /// damaged line, and that line's error (FILE:LINE), which stops the reading.
  static func followed<Record: SessionLogRecord>(
    _ lines: [LogFollower.Line], path: String, as type: Record.Type
  ) -> (records: [Record], problem: String?) {
    var records: [Record] = []
    for line in lines {
      do {
        guard let text = try text(ofLine: line.bytes, number: line.number, path: path) else {
          continue
        }
        records.append(try Record(jsonLine: text, path: path, lineNumber: line.number))
      } catch {
        return (records, "\(error)")
      }
    }
    return (records, nil)
  }

  private static func parse<Record: SessionLogRecord>(_ contents: Contents, url: URL) throws
    -> [Record]
  {
    try contents.lines.map {
      try Record(jsonLine: $0.text, path: url.relativePath, lineNumber: $0.number)
    }
  }

  private static func appendDurably(_ bytes: [UInt8], to url: URL) throws {
    let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw SessionError.io(
        path: url.relativePath, detail: "cannot open to set lines aside: \(UserFile.errorText())")
    }
    defer { close(descriptor) }
    var done = 0
    while done < bytes.count {
      let result = bytes[done...].withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
      if result < 0 {
        if errno == EINTR { continue }
        throw SessionError.io(
          path: url.relativePath, detail: "cannot set lines aside: \(UserFile.errorText())")
      }
      done += result
    }
    guard fsync(descriptor) == 0 else {
      throw SessionError.io(
        path: url.relativePath, detail: "cannot set lines aside: \(UserFile.errorText())")
    }
  }
}
