import Foundation
import TestSupport
import Testing

@testable import Engine

/// The real `vlp` binary on a temporary sessions folder: headless runs, signals, usage errors.
@Suite(.serialized) struct CommandLineTests {
  /// The `vlp` built beside this test bundle (swift build --build-tests builds both).
  static var binary: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("vlp")
  }

  struct Result {
    var status: Int32
    var output: String
    var error: String
  }

  /// Runs vlp in `directory` (whose sessions/ holds the sessions); `whenOutput` is called
  /// with the process once the output contains `marker`.
  static func vlp(
    _ arguments: [String], in directory: URL, marker: String? = nil,
    whenOutput: ((Process) -> Void)? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    var collected = Data()
    if let marker, let whenOutput {
      let deadline = Date(timeIntervalSinceNow: 60)
      while Date() < deadline {
        let chunk = output.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        collected += chunk
        if String(decoding: collected, as: UTF8.self).contains(marker) {
          whenOutput(process)
          break
        }
      }
    }
    collected += output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, output: String(decoding: collected, as: UTF8.self),
      error: errorText)
  }

  @Test func theBinaryIsBuilt() {
    #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "\(Self.binary.path)")
  }

  /// SIGTERM mid-run: a checkpoint at the step reached, logs flushed, status 143; the next
  /// run resumes from there.
  @Test func sigtermSavesACheckpointAndTheNextRunResumes() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let directory = sessions.root.appendingPathComponent("work")
    let folder = try SessionFolder(name: "signal", root: directory.appendingPathComponent("sessions"))
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: try sessions.make("template").sessionFile, to: folder.sessionFile)

    let first = try Self.vlp(
      ["run", "signal", "--steps", "100000", "--every", "1", "--set", "evaluation.every=0"],
      in: directory, marker: "steps/s", whenOutput: { kill($0.processIdentifier, SIGTERM) })
    #expect(first.status == 143, "\(first.output)\n\(first.error)")
    #expect(first.error.contains("terminated: saving a checkpoint"))
    let store = CheckpointStore(folder: folder, keep: 3)
    let saved = try #require(store.steps(variant: "main").last)
    #expect(saved > 0 && saved < 100000)
    #expect(first.output.contains("stopped at step \(saved)/100000"), "\(first.output)")
    #expect(try metrics(folder).map(\.step) == Array(1...saved), "every step logged once, flushed")

    let second = try Self.vlp(["run", "signal", "--steps", "\(saved + 3)"], in: directory)
    #expect(second.status == 0, "\(second.error)")
    #expect(second.output.hasPrefix("resumed signal from step \(saved) to step \(saved + 3)"), "\(second.output)")
    #expect(try metrics(folder).map(\.step) == Array(1...(saved + 3)))

    let evaluation = try Self.vlp(["eval", "signal", "--json"], in: directory)
    #expect(evaluation.status == 0, "\(evaluation.error)")
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(evaluation.output.utf8)) as? [[String: Any]])
    #expect(rows.first?["step"] as? Int == saved + 3)
    #expect((rows.first?["metrics"] as? [String: Any])?["i2t_r1"] != nil)

    let csv = directory.appendingPathComponent("curves.csv")
    let export = try Self.vlp(["export", "signal", "--curves", csv.path], in: directory)
    #expect(export.status == 0, "\(export.error)")
    let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "step,variant,time,lr,alpha,temperature,itc,mlm,itm,total")
    #expect(lines.count == saved + 4)

    let points = directory.appendingPathComponent("cls.csv")
    let tsne = try Self.vlp(
      ["tsne", "signal", "--features", "cls", "--pairs", "5", "--iterations", "250", "--quiet", "--out", points.path],
      in: directory)
    #expect(tsne.status == 0, "\(tsne.error)")
    let projected = try String(contentsOf: points, encoding: .utf8).split(separator: "\n")
    #expect(projected.count == 1 + 2 * 5, "an image and a caption point per pair")
    #expect(projected.dropFirst().filter { $0.hasSuffix("(caption)") }.count == 5, "\(projected.prefix(3))")

    // --points: exactly that many, with progress lines (phase, iteration, time left).
    let many = try Self.vlp(
      ["tsne", "signal", "--features", "tokens", "--points", "150", "--iterations", "300", "--out", points.path],
      in: directory)
    #expect(many.status == 0, "\(many.error)")
    #expect(try String(contentsOf: points, encoding: .utf8).split(separator: "\n").count == 1 + 150)
    #expect(many.error.contains("tsne: 150 points x"), "\(many.error)")
    #expect(many.error.contains("optimising · iteration 300/300 · "), "\(many.error)")
    let both = try Self.vlp(
      ["tsne", "signal", "--points", "150", "--pairs", "5", "--out", points.path], in: directory)
    #expect(both.status == 2 && both.error.contains("--pairs and --points exclude each other"), "\(both.error)")
  }

  /// SESSION as shells complete it: a folder's relative path with a trailing slash, or an
  /// absolute path from another directory, works wherever a name does; a path that is not a
  /// session folder is a usage error naming the path and what is missing.
  @Test func aSessionFoldersPathWorksWhereItsNameDoes() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let directory = sessions.root.appendingPathComponent("work")
    let template = try sessions.make("template").sessionFile
    let json = try String(contentsOf: template, encoding: .utf8)
    let url = try TinySession.write(
      json, name: "tiny", in: directory.appendingPathComponent("sessions"))
    let folder = try SessionFolder(path: url.path)

    let relative = try Self.vlp(
      ["run", "sessions/tiny/", "--steps", "2", "--set", "evaluation.every=0"], in: directory)
    #expect(relative.status == 0, "\(relative.error)")
    #expect(relative.output.hasPrefix("training tiny to step 2"), "\(relative.output)")
    let absolute = try Self.vlp(
      ["run", folder.url.path, "--steps", "3", "--set", "evaluation.every=0"], in: sessions.root)
    #expect(absolute.status == 0, "\(absolute.error)")
    #expect(absolute.output.hasPrefix("resumed tiny from step 2 to step 3"), "\(absolute.output)")
    #expect(try metrics(folder).map(\.step) == [1, 2, 3])
    let byName = try Self.vlp(
      ["run", "tiny", "--steps", "4", "--set", "evaluation.every=0"], in: directory)
    #expect(byName.status == 0, "\(byName.error)")
    #expect(byName.output.hasPrefix("resumed tiny from step 3 to step 4"), "\(byName.output)")

    let csv = directory.appendingPathComponent("curves.csv")
    let export = try Self.vlp(["export", "./sessions/tiny", "--curves", csv.path], in: directory)
    #expect(export.status == 0, "\(export.error)")
    #expect(try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").count == 5)

    for (arguments, problem) in [
      (["run", "sessions/nosuch/"], "sessions/nosuch: not a session folder: no such folder"),
      (
        ["eval", "sessions/"],
        "sessions: not a session folder: no session.json in it (sessions in it: tiny)"
      ),
      (
        ["export", "sessions/tiny/session.json", "--curves", csv.path],
        "sessions/tiny/session.json: not a session folder: a file"
      ),
    ] {
      let result = try Self.vlp(arguments, in: directory)
      #expect(result.status == 2, "\(arguments): \(result.error)")
      #expect(result.error.contains(problem), "\(arguments): \(result.error)")
    }
    // Inside sessions/, a bare name is still a name (looked up in ./sessions/): the error
    // points to the path form.
    let inside = try Self.vlp(["eval", "tiny"], in: directory.appendingPathComponent("sessions"))
    #expect(inside.status == 2)
    #expect(inside.error.contains("no session 'tiny'"), "\(inside.error)")
    #expect(inside.error.contains("for the folder ./tiny, write ./tiny or tiny/"), "\(inside.error)")
  }

  @Test func wrongUsageExits2WithTheUsageAndHelpExits0() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    for arguments in [["run"], ["frobnicate"], ["run", "x", "--bogus", "1"], ["eval", "../etc"], ["bench", "nothing"]] {
      let result = try Self.vlp(arguments, in: sessions.root)
      #expect(result.status == 2, "\(arguments): \(result.error)")
      #expect(result.error.contains("usage: vlp"), "\(arguments): \(result.error)")
    }
    for command in ["run", "eval", "export", "tsne", "experiment", "bench", "data", "sessions"] {
      let result = try Self.vlp([command, "--help"], in: sessions.root)
      #expect(result.status == 0, "\(command) --help")
      #expect(result.output.contains("usage: vlp"), "\(command) --help: \(result.output)")
    }
    let missing = try Self.vlp(["eval", "nosuch"], in: sessions.root)
    #expect(missing.status == 2)
    #expect(missing.error.contains("no session 'nosuch'"))
  }

  /// Without a terminal the workbench says so, points to `vlp run`, and exits 1 (failed).
  @Test func withoutATerminalTheWorkbenchPointsToVlpRun() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let work = sessions.root.appendingPathComponent("work")
    let folder = try SessionFolder(name: "default", root: work.appendingPathComponent("sessions"))
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: try sessions.make("template").sessionFile, to: folder.sessionFile)
    for arguments in [[], ["tui", "default"]] {
      let result = try Self.vlp(arguments, in: work)
      #expect(result.status == 1, "\(arguments): \(result.error)")
      #expect(result.error.contains("not a terminal") && result.error.contains("vlp run SESSION"), "\(result.error)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder.checkpointsFolder.path), "nothing trained")
  }
}
