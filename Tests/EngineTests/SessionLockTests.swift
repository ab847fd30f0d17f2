import Foundation
import NN
import TestSupport
import Testing

@testable import Engine

/// The session lock in one process (flock conflicts between two open files of the same
/// process too), the cleanup a writer does when it takes a session, and a watching engine.
@Suite struct SessionLockTests {
  @Test func oneHolderAtATimeNamedInTheFileAndEmptiedOnRelease() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("locked")
    let first = try SessionLock(folder: folder, command: "vlp run locked")
    #expect(first.staleNotice == nil)
    #expect(SessionLock.holder(at: first.url) == first.holder)
    #expect(first.holder.pid == getpid() && first.holder.command == "vlp run locked")
    do {
      _ = try SessionLock(folder: folder, command: "vlp run locked --steps 5")
      Issue.record("a second lock was granted")
    } catch let error as SessionLockError {
      #expect(error == .held(session: "locked", path: first.url.relativePath, holder: first.holder))
      #expect("\(error)".contains("pid \(getpid()) on \(SessionLock.hostName) (`vlp run locked`"))
    }
    // An engine is a writer: refused while the lock is held, before any thread starts.
    #expect(throws: SessionLockError.self) { try TrainingEngine(folder: folder) }
    first.release()
    #expect(try String(contentsOf: first.url, encoding: .utf8).isEmpty)
    let second = try SessionLock(folder: folder, command: "vlp tui locked")
    #expect(second.staleNotice == nil, "a clean release leaves nothing to report")
  }

  /// The file of a holder that died still names it; the lock itself went with the process.
  @Test func aStaleLockFileIsNoObstacleAndIsReported() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("stale")
    let dead = SessionLockHolder(pid: 999_999, host: "elsewhere", command: "vlp run stale", started: "2026-01-01T00:00:00Z")
    try Data(dead.json.utf8).write(to: SessionLock.url(of: folder))
    let lock = try SessionLock(folder: folder)
    #expect(lock.staleNotice?.contains("pid 999999 on elsewhere") == true, "\(lock.staleNotice ?? "")")
    #expect(SessionLock.holder(at: lock.url)?.pid == getpid())
  }

  /// A writer taking a session removes the temporaries of saves a killed process left, and only
  /// those (a user's dotfile stays).
  @Test func aWriterRemovesStaleTemporariesOfItsOwnNamingOnly() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("tidy")
    let checkpoints = folder.checkpointFolder(variant: "main")
    try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
    let stale = checkpoints.appendingPathComponent(".step-00000003.safetensors.tmp-4242")
    let user = [".notes.tmp-draft", ".tmp-1", "keep.tmp-7"].map { folder.url.appendingPathComponent($0) }
    for url in [stale] + user { try Data("x".utf8).write(to: url) }
    #expect(AtomicFile.isTemporaryName(stale.lastPathComponent))
    #expect(!user.contains { AtomicFile.isTemporaryName($0.lastPathComponent) })

    var options = TrainingEngine.Options()
    options.targetStep = 1
    options.evaluateAtEnd = false
    _ = try TrainingEngine(folder: folder, options: options).runToCompletion()
    #expect(!FileManager.default.fileExists(atPath: stale.path))
    #expect(user.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    let log = try String(contentsOf: folder.logFile, encoding: .utf8)
    #expect(log.contains("removed 1 temporary file(s) left by an interrupted save: .step-00000003"), "\(log)")
  }

  /// A session that another process holds opens as a watcher: it follows the logs as they grow,
  /// loads new checkpoints, never trains and writes nothing.
  @Test func aWatcherFollowsTheWritersFilesAndWritesNothing() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("watched")
    var options = TrainingEngine.Options()
    options.targetStep = 8
    _ = try TrainingEngine(folder: folder, options: options).runToCompletion()
    let holder = SessionLockHolder(pid: 1, host: "trainer", command: "vlp run watched", started: "now")
    let lock = try SessionLock(folder: folder)  // the "other process"
    defer { lock.release() }
    let before = try String(contentsOf: folder.metricsFile, encoding: .utf8)

    var watching = TrainingEngine.Options()
    watching.watching = holder
    let watcher = try TrainingEngine(folder: folder, options: watching)
    watcher.start()
    var snapshot = watcher.wait { $0.step == 8 }
    #expect(snapshot.state == .watching("trained by \(holder)"))
    #expect(snapshot.message.contains("pid 1 on trainer"))
    #expect(snapshot.variants[0].history.count == 8)
    #expect(snapshot.variants[0].evaluations.map(\.step) == [4, 8])
    // The writer appends two steps, a torn half line last: the watcher shows the whole ones.
    let lines = before.split(separator: "\n")
    let appended = lines.suffix(2).map { $0.replacingOccurrences(of: "\"step\": 7", with: "\"step\": 9")
      .replacingOccurrences(of: "\"step\": 8", with: "\"step\": 10") }
    let handle = try FileHandle(forWritingTo: folder.metricsFile)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((appended.joined(separator: "\n") + "\n{\"step\": 11,").utf8))
    try handle.close()
    snapshot = watcher.wait { $0.step == 10 }
    #expect(snapshot.variants[0].history.records.map(\.step) == Array(1...10))
    watcher.togglePause()
    watcher.step(3)
    Thread.sleep(forTimeInterval: 1.2)
    #expect(watcher.snapshot.step == 10, "a watcher never trains")
    watcher.stop()
    #expect(try String(contentsOf: folder.metricsFile, encoding: .utf8).hasPrefix(before))
    #expect(!(try String(contentsOf: folder.logFile, encoding: .utf8)).contains("stopped at step 10"))
  }
}
