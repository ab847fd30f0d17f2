import Foundation
import NN
import TestSupport
import Testing

@testable import Engine

/// One writer per session, signals and resource limits, on the built `vlp` in child processes.
@Suite(.serialized) struct WriterFaultTests {
  /// A second `vlp run` on a session that one trains is refused at once (status 1, naming the
  /// holder's pid, host and command); the first trains on undisturbed, and every step is logged
  /// once. SIGHUP and SIGQUIT then save and stop like SIGTERM, with no crash report.
  @Test func aSecondWriterIsRefusedAndHangupAndQuitSave() throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let folder = try work.make("busy")
    var saved = 0
    for (signal, words) in [(SIGHUP, "hung up (SIGHUP)"), (SIGQUIT, "quit (SIGQUIT)")] {
      let first = try ChildProcess(
        ["run", "busy", "--steps", "100000", "--every", "1", "--set", "evaluation.every=0"],
        in: work.directory)
      #expect(first.wait(for: "steps/s"))
      let second = try ChildProcess.run(["run", "busy", "--steps", "5"], in: work.directory)
      #expect(second.status == 1, "\(second.error)")
      #expect(second.error.contains("session 'busy' is being written by another process"), "\(second.error)")
      #expect(second.error.contains("pid \(first.pid) on \(SessionLock.hostName)"), "\(second.error)")
      #expect(second.error.contains("vlp run busy --steps 100000"), "\(second.error)")
      // Readers neither take the lock nor wait for it.
      let csv = work.directory.appendingPathComponent("curves.csv").path
      for reader in [["eval", "busy"], ["export", "busy", "--curves", csv]] {
        let read = try ChildProcess.run(reader, in: work.directory)
        #expect(read.status == 0, "\(reader): \(read.error)")
      }
      kill(first.pid, signal)
      let ended = first.finish()
      #expect(ended.status == 128 + signal, "\(ended.error)")
      #expect(ended.error.contains("\(words): saving a checkpoint"), "\(ended.error)")
      #expect(!ended.error.contains("Backtrace") && !ended.error.contains("Crash"), "\(ended.error)")
      let last = try #require(CheckpointStore(folder: folder, keep: 2).steps(variant: "main").last)
      #expect(last > saved)
      saved = last
      #expect(try metrics(folder).map(\.step) == Array(1...saved), "each step once")
      #expect(try String(contentsOf: SessionLock.url(of: folder), encoding: .utf8).isEmpty, "released")
    }
    // A holder killed outright leaves its name in the file but no lock: the next run takes the
    // session and says so.
    let killed = try ChildProcess(
      ["run", "busy", "--steps", "100000", "--every", "1", "--set", "evaluation.every=0"],
      in: work.directory)
    #expect(killed.wait(for: "steps/s"))
    kill(killed.pid, SIGKILL)
    _ = killed.finish()
    let resumable = try #require(CheckpointStore(folder: folder, keep: 2).steps(variant: "main").last)
    let next = try ChildProcess.run(["run", "busy", "--steps", "\(resumable + 2)"], in: work.directory)
    #expect(next.status == 0, "\(next.error)")
    #expect(next.error.contains("ended without releasing it") && next.error.contains("pid \(killed.pid)"), "\(next.error)")
    #expect(try metrics(folder).map(\.step) == Array(1...(resumable + 2)), "the killed run's tail replayed once")
  }

  /// Under a file-size limit the checkpoint save fails with EFBIG instead of SIGXFSZ killing
  /// the process: status 1, the file and the way out named, the last good checkpoint kept, its
  /// temporary removed; without the limit the run resumes from that checkpoint.
  @Test func aFileSizeLimitIsReportedAndTheLastCheckpointKept() throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let (folder, store, size) = try work.trainedToStep3("limited")
    let blocks = size / 2 / 1024  // bash counts `ulimit -f` in KiB
    let logSize = try Data(contentsOf: folder.metricsFile).count
    try #require(logSize * 8 < blocks * 1024, "the logs fit under the limit, the checkpoint not")

    let limited = try ChildProcess.run(
      ["run", "limited", "--steps", "12"], in: work.directory, limits: ["-f \(blocks)"])
    #expect(limited.status == 1, "\(limited.status) \(limited.error)")
    #expect(!limited.signalled)
    // The first save after step 3 (step 6, or 4 when its evaluation improved on the best).
    #expect(limited.error.contains(".safetensors: cannot write the checkpoint: File too large"), "\(limited.error)")
    #expect(limited.error.contains("File too large") && limited.error.contains("ulimit -f"), "\(limited.error)")
    #expect(limited.error.contains("the last good checkpoint is step 3"), "\(limited.error)")
    #expect(store.steps(variant: "main") == [3])
    #expect(temporaries(under: folder.url).isEmpty, "\(temporaries(under: folder.url))")
    _ = try TrainingCheckpoint.read(from: store.url(variant: "main", step: 3))

    let resumed = try ChildProcess.run(["run", "limited", "--steps", "12"], in: work.directory)
    #expect(resumed.status == 0, "\(resumed.error)")
    #expect(resumed.output.hasPrefix("resumed limited from step 3"), "\(resumed.output)")
    #expect(try metrics(folder).map(\.step) == Array(1...12))
  }

  /// With too few file descriptors (`ulimit -n`) the run is refused before it touches the
  /// session (below 12 the runtime itself traps or every open fails): status 1, the limit and
  /// the fix named, no crash, the session's files intact and its lock free.
  @Test func tooFewOpenFilesAreRefusedBeforeAnythingIsTouched() throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let folder = try work.make("files")
    let start = try ChildProcess.run(["run", "files", "--steps", "3"], in: work.directory)
    #expect(start.status == 0, "\(start.error)")
    let before = try Data(contentsOf: folder.metricsFile)
    let limited = try ChildProcess.run(
      ["run", "files", "--steps", "6"], in: work.directory, limits: ["-n 8"])
    #expect(limited.status == 1, "\(limited.status) \(limited.error)")
    #expect(!limited.signalled)
    #expect(limited.error.contains("the limit (`ulimit -n`) is 8"), "\(limited.error)")
    #expect(limited.error.contains("ulimit -n 1024"), "\(limited.error)")
    #expect(try String(contentsOf: SessionLock.url(of: folder), encoding: .utf8).isEmpty)
    #expect(try Data(contentsOf: folder.metricsFile) == before)
    #expect(CheckpointStore(folder: folder, keep: 2).steps(variant: "main") == [3])
  }
}
