import Foundation
import RunLogs
import TestSupport
import Testing

@testable import Engine

/// `vlp watch` reads a vlp session's logs by SessionLog's rules (`SessionLogRules`), so that the
/// same damaged log gets the same verdict from watch as from resume and export: the same error
/// word for word, or the same records (issue 22: one parser for the session log).
@Suite struct SessionLogWatchTests {
  static func line(_ step: Int, loss: String = "2.5") -> String {
    SessionLogTests.line(step, loss: loss)
  }

  /// Each log: what export (`SessionLog.records`), resume (`prepareForResume`, which must refuse
  /// or keep exactly the same records) and watch (`LogWatcher` with the rules) make of it.
  static let logs: [(name: String, bytes: [UInt8])] = [
    ("whole", text([line(1), line(2), line(3)].map { $0 + "\n" }.joined())),
    ("torn tail", text(line(1) + "\n" + line(2) + "\n" + #"{"step": 3, "var"#)),
    ("NaN record", text(line(1) + "\n" + line(2, loss: "null") + "\n" + line(3) + "\n")),
    ("garbage in the middle", text(line(1) + "\n{\"step\": 2, garbage\n" + line(3) + "\n")),
    ("wrong type", text(line(1) + "\n" + #"{"step": "2", "variant": "main"}"# + "\n" + line(3) + "\n")),
    ("blank and CR lines", text(line(1) + "\n\n \r\n" + line(2) + "\n")),
    ("not UTF-8", text(line(1) + "\n") + [0xFF, 0xFE, 0x0A] + text(line(2) + "\n")),
  ]

  static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

  @Test(arguments: logs.map(\.name))
  func watchGivesTheVerdictOfResumeAndExport(name: String) throws {
    let directory = try TemporaryDirectory("watch-verdict")
    defer { directory.remove() }
    _ = try directory.write("s/session.json", "{}")
    let log = directory.file("s/metrics.jsonl")
    try Data(Self.logs.first { $0.name == name }!.bytes).write(to: log)

    let exported = Result { try SessionLog.records(of: log, as: MetricRecord.self) }
    let watcher = try LogWatcher.load(paths: [directory.child("s")], rules: [SessionLogRules()])
    // `lr` is in every record (a loss logged as null, NaN, is no point of a curve).
    let watched = watcher.store.runs.first { $0.name.hasSuffix("/main") }?["lr"]
    switch exported {
    case .success(let records):
      #expect(watcher.notices.isEmpty, "\(watcher.notices)")
      #expect(watched?.steps.map(Int.init) ?? [] == records.map(\.step))
    case .failure(let error):
      #expect(watcher.notices == ["\(error)"], "export: \(error)\nwatch: \(watcher.notices)")
      // Watch stops at the damaged line: what it shows is what precedes it.
      #expect(watched?.steps == [1])
    }
    // Resume refuses the same file with the same words, or keeps the same records.
    let resumed = Result {
      try SessionLog.prepareForResume(log, checkpointStep: 100, as: MetricRecord.self).records
    }
    switch (exported, resumed) {
    case (.success(let a), .success(let b)): #expect(a.map(\.step) == b.map(\.step))
    case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)")
    default: Issue.record("export \(exported), resume \(resumed)")
    }
  }

  @Test func otherLogsStayLenientAndOnlySessionLogsAreGoverned() throws {
    let directory = try TemporaryDirectory("watch-lenient")
    defer { directory.remove() }
    let damaged = Self.line(1) + "\ngarbage\n" + Self.line(2) + "\n"
    _ = try directory.write("run/metrics.jsonl", damaged)  // no session.json beside it
    let watcher = try LogWatcher.load(paths: [directory.child("run")], rules: [SessionLogRules()])
    #expect(watcher.store["run/main"]?["losses/total"]?.steps == [1, 2])
    #expect(watcher.notices.count == 1 && watcher.notices[0].contains("line 2: not a JSON object"))
    let rules = SessionLogRules()
    _ = try directory.write("s/session.json", "{}")
    #expect(rules.governs(directory.file("s/metrics.jsonl")))
    #expect(rules.governs(directory.file("s/eval.jsonl")))
    #expect(!rules.governs(directory.file("s/log.txt")))
    #expect(!rules.governs(directory.file("run/metrics.jsonl")))
  }
}
