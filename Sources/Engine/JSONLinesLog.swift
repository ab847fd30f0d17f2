import Foundation
import NN

/// An append-only log of one JSON object per line (metrics.jsonl, eval.jsonl). Lines are
/// buffered and written by `flush()`, which the engine calls about once a second, at every
/// checkpoint and before it stops: a killed process loses at most the last second of lines,
/// never a checkpoint, and resuming cuts the log back to the checkpoint's step anyway.
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
