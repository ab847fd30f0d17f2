import Foundation
import Testing

@testable import Engine

/// The built `vlp` run as a child process for the tests that signal, kill or limit it: with an
/// environment of its own and, through `bash -c 'ulimit ...; exec vlp ...'`, resource limits.
final class ChildProcess {
  struct Result {
    var status: Int32
    /// The process ended by a signal (`status` is then the signal's number).
    var signalled: Bool
    var output: String
    var error: String
  }

  let process = Process()
  private let output = Pipe()
  private let error = Pipe()
  private var collected = Data()

  /// Starts `vlp ARGUMENTS` in `directory`; `limits` are `ulimit` options (`["-f 64"]`).
  init(
    _ arguments: [String], in directory: URL, environment: [String: String] = [:],
    limits: [String] = []
  ) throws {
    if limits.isEmpty {
      process.executableURL = CommandLineTests.binary
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/bin/bash")
      let script = limits.map { "ulimit \($0)" }.joined(separator: "; ") + "; exec \"$0\" \"$@\""
      process.arguments = ["-c", script, CommandLineTests.binary.path] + arguments
    }
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = output
    process.standardError = error
    try process.run()
  }

  var pid: Int32 { process.processIdentifier }

  /// Reads the output until it contains `marker` (or the process ends, or 60 s pass).
  func wait(for marker: String) -> Bool {
    let deadline = Date(timeIntervalSinceNow: 60)
    while Date() < deadline {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { return false }
      collected += chunk
      if String(decoding: collected, as: UTF8.self).contains(marker) { return true }
    }
    return false
  }

  func finish() -> Result {
    collected += output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(
      decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus,
      signalled: process.terminationReason == .uncaughtSignal,
      output: String(decoding: collected, as: UTF8.self), error: errorText)
  }

  static func run(
    _ arguments: [String], in directory: URL, environment: [String: String] = [:],
    limits: [String] = []
  ) throws -> Result {
    let child = try ChildProcess(arguments, in: directory, environment: environment, limits: limits)
    return child.finish()
  }
}

/// A folder `work/` holding `sessions/NAME/session.json` (the tiny session with a checkpoint
/// every 3 steps), where the child processes run.
struct ChildSessions {
  let sessions: TemporarySessions
  let directory: URL

  init() throws {
    sessions = try TemporarySessions()
    directory = sessions.root.appendingPathComponent("work")
  }

  func make(_ name: String) throws -> SessionFolder {
    let root = directory.appendingPathComponent("sessions")
    let template = try sessions.make("template-\(name)", extra: [
      #""checkpoints": {"every": 3, "keep": 2}"#
    ])
    let folder = try SessionFolder(name: name, root: root)
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: template.sessionFile, to: folder.sessionFile)
    return folder
  }

  /// Session `name` trained by a child `vlp run` to step 3, its first checkpoint, and that
  /// checkpoint's size in bytes: the set-up of the tests that make a later save fail.
  func trainedToStep3(
    _ name: String
  ) throws -> (folder: SessionFolder, store: CheckpointStore, checkpointBytes: Int) {
    let folder = try make(name)
    let start = try ChildProcess.run(["run", name, "--steps", "3"], in: directory)
    #expect(start.status == 0, "\(start.error)")
    let store = CheckpointStore(folder: folder, keep: 2)
    let checkpoint = store.url(variant: "main", step: 3).path
    let bytes = try #require(
      try FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int)
    return (folder, store, bytes)
  }

  func remove() { sessions.remove() }
}

/// Every file name under `url` that is one of the atomic writer's temporaries.
func temporaries(under url: URL) -> [String] {
  let names = FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []
  return names.filter { $0.contains(".tmp-") }
}
