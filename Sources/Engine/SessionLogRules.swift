import Foundation
import RunLogs

/// `SessionLog`'s rules for `vlp watch` (RunLogs' `LogLineRules`): a vlp session's metrics.jsonl
/// and eval.jsonl are read line by line as resume and export read them, so that a damaged log
/// gets the same verdict, in the same words (FILE:LINE: what is wrong), from all of them.
public struct SessionLogRules: LogLineRules {
  public init() {}

  /// metrics.jsonl or eval.jsonl in a folder that holds a session.json.
  public func governs(_ url: URL) -> Bool {
    guard ["metrics.jsonl", "eval.jsonl"].contains(url.lastPathComponent) else { return false }
    let folder = url.deletingLastPathComponent()
    return FileManager.default.fileExists(
      atPath: folder.appendingPathComponent("session.json").path)
  }

  public func check(_ line: ArraySlice<UInt8>, number: Int, path: String) throws -> String? {
    guard let text = try SessionLog.text(ofLine: line, number: number, path: path) else {
      return nil
    }
    if (path as NSString).lastPathComponent == "eval.jsonl" {
      _ = try EvaluationRecord(jsonLine: text, path: path, lineNumber: number)
    } else {
      _ = try MetricRecord(jsonLine: text, path: path, lineNumber: number)
    }
    return text
  }
}
