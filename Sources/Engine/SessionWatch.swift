import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Follows a log another process appends to (metrics.jsonl, eval.jsonl): each `poll` returns
/// the whole lines added since the last one, never a line still being written. A file that
/// shrank or was replaced (a new inode) was cut back by a writer resuming from a checkpoint:
/// the follower starts over and says so (`restarted`).
struct LogFollower {
  /// A whole line as written, numbered from 1; `SessionLog.followed` reads it by the log's rules.
  struct Line {
    var number: Int
    var bytes: ArraySlice<UInt8>
    var text: String { String(decoding: bytes, as: UTF8.self) }
  }

  let url: URL
  private var offset: off_t = 0
  private var lineNumber = 0
  private var inode: ino_t?

  init(url: URL) { self.url = url }

  /// From the start of the file again.
  mutating func reset() {
    offset = 0
    lineNumber = 0
  }

  mutating func poll() -> (lines: [Line], restarted: Bool) {
    var status = stat()
    guard stat(url.path, &status) == 0 else { return ([], false) }
    var restarted = false
    defer { inode = status.st_ino }
    if status.st_size < offset || (inode != nil && inode != status.st_ino) {
      reset()
      restarted = true
    }
    guard status.st_size > offset, let handle = FileHandle(forReadingAtPath: url.path) else {
      return ([], restarted)
    }
    defer { try? handle.close() }
    // Only up to the size seen by stat: a bounded read even if the writer goes on.
    guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
      let data = try? handle.read(upToCount: Int(status.st_size - offset)),
      let end = data.lastIndex(of: UInt8(ascii: "\n"))
    else { return ([], restarted) }
    let whole = data[data.startIndex...end]
    offset += off_t(whole.count)
    var lines: [Line] = []
    for line in Array(whole).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .dropLast()
    {
      lineNumber += 1
      let text = String(decoding: line, as: UTF8.self)
      if !text.trimmingCharacters(in: .whitespaces).isEmpty {
        lines.append(Line(number: lineNumber, bytes: line))
      }
    }
    return (lines, restarted)
  }
}

extension TrainingLoop {
  /// The loop of an engine that watches a session another process trains: it never trains or
  /// writes; about once a second it reads the lines appended to the logs and, when a newer
  /// checkpoint appears, loads it for probes and projections.
  func watchLoop(trainedBy holder: SessionLockHolder) {
    guard let run = openRun(writable: false) else { return }
    var metrics = LogFollower(url: run.folder.metricsFile)
    var evaluations = LogFollower(url: run.folder.evaluationFile)
    var loadedCheckpoint = run.lastCheckpointStep ?? 0
    var lastPoll = Date.distantPast
    let who = "trained by \(holder)"
    state = .watching(who)
    var note = "watching: \(who)"
    var damage: [String: String] = [:]  // a log's first damaged line, by path
    while true {
      let requests = engine.takeRequests(canTrain: false, timeout: 1)
      if requests.stop { break }
      if let request = requests.probe { answer(request, run) }
      if let request = requests.attention { answerAttention(request, run) }
      if let request = requests.projection {
        startProjection(id: request.id, kind: request.kind, mode: request.mode, run)
      }
      if Date().timeIntervalSince(lastPoll) >= 1 {
        lastPoll = Date()
        var newMetrics = metrics.poll()
        var newEvaluations = evaluations.poll()
        let restarted = newMetrics.restarted || newEvaluations.restarted
        if restarted {  // a writer resumed and cut both logs back: read both afresh
          metrics.reset()
          evaluations.reset()
          newMetrics = metrics.poll()
          newEvaluations = evaluations.poll()
        }
        if restarted { damage = [:] }
        // By SessionLog's rules, as resume and export read the same file: the records before
        // a damaged line; that line's FILE:LINE error on the status line stops the reading.
        let metricsPath = run.folder.metricsFile.relativePath
        let evaluationPath = run.folder.evaluationFile.relativePath
        let metricsRead = SessionLog.followed(
          damage[metricsPath] == nil ? newMetrics.lines : [],
          path: metricsPath, as: MetricRecord.self)
        let evaluationsRead = SessionLog.followed(
          damage[evaluationPath] == nil ? newEvaluations.lines : [],
          path: evaluationPath, as: EvaluationRecord.self)
        damage[metricsPath] = damage[metricsPath] ?? metricsRead.problem
        damage[evaluationPath] = damage[evaluationPath] ?? evaluationsRead.problem
        run.follow(
          metrics: metricsRead.records, evaluations: evaluationsRead.records,
          replace: restarted, time: metricsRead.records.last?.time)
        let latest = run.store.latestCommonStep(variants: run.variants.map(\.name)) ?? 0
        if latest > loadedCheckpoint {
          loadedCheckpoint = latest
          do {
            try run.restoreCheckpoint(at: latest)
            followCheckpoint(run)
          } catch {
            note = "watching: \(who); cannot load the checkpoint at step \(latest): \(error)"
          }
        }
        if holder.host == SessionLock.hostName, kill(holder.pid, 0) != 0, errno == ESRCH {
          note = "pid \(holder.pid) has ended: reopen the session to train it here"
        } else if let problem = damage.values.sorted().first {
          note = "watching: \(who); \(problem)"
        }
      }
      publish(run, message: note)
    }
    projection?.cancel()
    state = .stopped
    publish(run, message: note)
  }
}
