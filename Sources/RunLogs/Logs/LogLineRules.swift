import Foundation

/// The rules of a kind of JSON-lines log that a module above RunLogs owns: vlp's own session
/// logs, whose one parser is Engine's `SessionLog`. `vlp watch` hands such a log's lines to its
/// rules instead of reading them leniently, so that watch, resume and export give the same
/// verdict on the same file (docs/reliability.md). RunLogs itself depends on nothing.
///
/// A log under rules is read as its owner reads it: only lines that end in a newline (a torn
/// final line is a writer still writing, or a kill mid-write: never shown, even at the end);
/// the first line that breaks the rules stops the file, and the rules' error, which names
/// FILE:LINE, becomes the watcher's notice word for word.
public protocol LogLineRules: Sendable {
  /// Whether these rules govern the log at `url` (for example a metrics.jsonl beside a
  /// session.json).
  func governs(_ url: URL) -> Bool

  /// One complete line of such a log, without its newline, numbered from 1: its text when it
  /// is a record, nil when it holds nothing (blank); throws, naming `path` and `number`, when
  /// the line breaks the rules.
  func check(_ line: ArraySlice<UInt8>, number: Int, path: String) throws -> String?
}
