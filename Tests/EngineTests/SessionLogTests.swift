import Foundation
import TestSupport
import Testing

@testable import Engine

/// The one parser of metrics.jsonl and eval.jsonl, and resume's set-aside rule: nothing the
/// user may need is deleted; only a torn final line and records past the checkpoint are moved,
/// to FILE.set-aside; any other damage is refused with FILE:LINE and changes nothing.
@Suite struct SessionLogTests {
  static func line(_ step: Int, lr: String = "0.001", loss: String = "2.5") -> String {
    #"{"step": \#(step), "variant": "main", "time": \#(step).000, "lr": \#(lr), "alpha": 0.4, "#
      + #""grad_norm": 1.5, "queue": 8, "losses": {"itc": \#(loss), "total": \#(loss)}}"#
  }

  static func log(_ lines: [String], tail: String = "") throws -> (TemporaryDirectory, URL) {
    let directory = try TemporaryDirectory("session-log")
    let url = directory.file("metrics.jsonl")
    try Data((lines.map { $0 + "\n" }.joined() + tail).utf8).write(to: url)
    return (directory, url)
  }

  static func text(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

  @Test func aTornLastLineIsSetAsideWithTheRecordsPastTheCheckpoint() throws {
    let lines = (1...6).map { Self.line($0) }
    let (directory, url) = try Self.log(lines, tail: #"{"step": 7, "vari"#)
    defer { directory.remove() }
    // Readers skip the torn line (a writer may be in the middle of it).
    #expect(try SessionLog.records(of: url, as: MetricRecord.self).map(\.step) == Array(1...6))
    let (records, count) = try SessionLog.prepareForResume(url, checkpointStep: 4, as: MetricRecord.self)
    #expect(records.map(\.step) == [1, 2, 3, 4])
    #expect(count == 3)
    #expect(try Self.text(url) == lines[0..<4].map { $0 + "\n" }.joined())
    let aside = SessionLog.setAsideFile(for: url)
    #expect(aside.lastPathComponent == "metrics.jsonl.set-aside")
    #expect(try Self.text(aside) == lines[4] + "\n" + lines[5] + "\n" + #"{"step": 7, "vari"# + "\n")
    // A second resume appends to the side file, never overwrites it.
    try Data((Self.line(5) + "\n").utf8).write(to: url, options: .atomic)
    _ = try SessionLog.prepareForResume(url, checkpointStep: 4, as: MetricRecord.self)
    #expect(try Self.text(aside).hasSuffix("\n" + Self.line(5) + "\n"))
    #expect(try Self.text(aside).hasPrefix(lines[4]))
  }

  /// Found by the hostile-user matrix: a torn last line that is not UTF-8 (or ends inside a
  /// character) was set aside as U+FFFD replacement characters, not the bytes the user had.
  @Test func aTornLastLineIsSetAsideByteForByte() throws {
    let directory = try TemporaryDirectory("session-log-bytes")
    defer { directory.remove() }
    let url = directory.file("metrics.jsonl")
    let tail: [UInt8] = Array(#"{"step": 2, "x": "caf"#.utf8) + [0xC3, 0xFF, 0xFE]
    try Data(Array((Self.line(1) + "\n").utf8) + tail).write(to: url)
    let prepared = try SessionLog.prepareForResume(url, checkpointStep: 1, as: MetricRecord.self)
    #expect(prepared.setAside == 1 && prepared.records.map(\.step) == [1])
    #expect(try Data(contentsOf: SessionLog.setAsideFile(for: url)) == Data(tail + [0x0A]))
  }

  @Test func aRecordHoldingNaNIsACompleteRecordAndIsKept() throws {
    let lines = [Self.line(1), Self.line(2, lr: "null", loss: "null"), Self.line(3)]
    let (directory, url) = try Self.log(lines)
    defer { directory.remove() }
    let (records, count) = try SessionLog.prepareForResume(url, checkpointStep: 3, as: MetricRecord.self)
    #expect(count == 0)
    #expect(records.map(\.step) == [1, 2, 3])
    #expect(records[1].learningRate.isNaN && records[1].loss("total")?.isNaN == true)
    #expect(try Self.text(url) == lines.map { $0 + "\n" }.joined())
    #expect(!FileManager.default.fileExists(atPath: SessionLog.setAsideFile(for: url).path))
  }

  @Test func garbageInTheMiddleIsRefusedWithItsLineAndNothingChanges() throws {
    // The earlier bug: resume deleted the lines it could not parse, then refused anyway.
    let lines = [Self.line(1), Self.line(2), "{\"step\": 3, garbage", Self.line(4), Self.line(5)]
    let (directory, url) = try Self.log(lines, tail: "{\"step\": 6")
    defer { directory.remove() }
    let before = try Data(contentsOf: url)
    #expect {
      _ = try SessionLog.prepareForResume(url, checkpointStep: 2, as: MetricRecord.self)
    } throws: { error in
      let text = "\(error)"
      return text.hasPrefix(url.relativePath + ":3: not JSON") && text.contains("nothing was changed")
    }
    #expect(try Data(contentsOf: url) == before)
    #expect(!FileManager.default.fileExists(atPath: SessionLog.setAsideFile(for: url).path))
    #expect(throws: SessionError.self) { try SessionLog.records(of: url, as: MetricRecord.self) }
  }

  @Test(arguments: [
    ("[1, 2]", "not an object"), (#"{"variant": "main"}"#, #"no "step""#),
    (#"{"step": "3", "variant": "main"}"#, #""step" is not"#),
    (#"{"step": 3, "variant": "main", "time": 1, "lr": true, "alpha": 0, "losses": {}}"#, #""lr" is not a number"#),
    (#"{"step": 3, "variant": "main", "time": 1, "lr": 1, "alpha": 0, "losses": {"itc": "x"}}"#, #""losses""#),
  ])
  func eachDamagedLineSaysWhatIsWrong(line: String, expected: String) throws {
    let (directory, url) = try Self.log([Self.line(1), line])
    defer { directory.remove() }
    #expect {
      _ = try SessionLog.records(of: url, as: MetricRecord.self)
    } throws: { error in
      "\(error)".hasPrefix(url.relativePath + ":2: ") && "\(error)".contains(expected)
    }
  }

  @Test func notUTF8IsSaidOnlyWhenTheFileIsNotUTF8() throws {
    let directory = try TemporaryDirectory("session-log-utf8")
    defer { directory.remove() }
    let url = directory.file("metrics.jsonl")
    try Data(Array((Self.line(1) + "\n").utf8) + [0xFF, 0xFE, 0x0A]).write(to: url)
    #expect {
      _ = try SessionLog.records(of: url, as: MetricRecord.self)
    } throws: { "\($0)".hasPrefix(url.relativePath + ":2: not UTF-8 text") }
    // A folder where the log should be: the real cause, no advice about UTF-8.
    let folder = directory.file("eval.jsonl")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    #expect {
      _ = try SessionLog.records(of: folder, as: EvaluationRecord.self)
    } throws: { error in
      "\(error)" == folder.relativePath + ": is a folder, not a file; give the path of a file"
    }
  }

  /// A failure to open names the system's reason (here a link loop), with no advice that
  /// does not fit it. (`ulimit -n` exhaustion: CommandLineTests, in a child process.)
  @Test func aFailureToOpenTheLogGivesTheSystemsReason() throws {
    let directory = try TemporaryDirectory("session-log-loop")
    defer { directory.remove() }
    let url = directory.file("metrics.jsonl")
    try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: url.path)
    #expect {
      _ = try SessionLog.records(of: url, as: MetricRecord.self)
    } throws: { error in
      "\(error)" == url.relativePath + ": cannot open it: Too many levels of symbolic links"
    }
  }

  @Test func metricAndEvaluationLogsHoldUnderMutation() throws {
    let metrics = (1...5).map { Self.line($0) }.joined(separator: "\n") + "\n"
    let evaluations =
      #"{"step": 4, "variant": "main", "time": 2.000, "retrieval_pairs": 10, "metrics": {"i2t_r1": 0.5, "mlm_top1": null}}"#
      + "\n"
    for (name, corpus) in [("metrics.jsonl", metrics), ("eval.jsonl", evaluations)] {
      let fuzzer = Fuzzer(name: name, corpus: [Array(corpus.utf8)], fileName: name)
      let run = fuzzer.run(
        cases: Fuzzer.caseCount(default: 1500), seconds: Fuzzer.timeLimit(default: 5)
      ) { path in
        let url = URL(fileURLWithPath: path)
        if name == "eval.jsonl" {
          _ = try SessionLog.prepareForResume(url, checkpointStep: 3, as: EvaluationRecord.self)
        } else {
          _ = try SessionLog.records(of: url, as: MetricRecord.self)
          _ = try SessionLog.prepareForResume(url, checkpointStep: 3, as: MetricRecord.self)
        }
      }
      #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
      #expect(run.casesRun >= 50)
    }
    let directory = try TemporaryDirectory("session-log-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("metrics.jsonl", in: directory.url) { path in
      _ = try SessionLog.records(of: URL(fileURLWithPath: path), as: MetricRecord.self)
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }
}
