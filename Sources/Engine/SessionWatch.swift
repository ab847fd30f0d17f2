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

  mutating func poll() -> (lines: [(number: Int, text: String)], restarted: Bool) {
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
    var lines: [(Int, String)] = []
    for line in whole.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .dropLast()
    {
      lineNumber += 1
      let text = String(decoding: line, as: UTF8.self)
      if !text.trimmingCharacters(in: .whitespaces).isEmpty { lines.append((lineNumber, text)) }
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
    while true {
      let requests = engine.takeRequests(canTrain: false, timeout: 1)
      if requests.stop { break }
      if let request = requests.probe { answer(request, run) }
      if let request = requests.attention { answerAttention(request, run) }
      if let request = requests.projection {
        startProjection(id: request.id, kind: request.kind, run)
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
        let path = run.folder.metricsFile.relativePath
        let records = newMetrics.lines.compactMap {
          try? MetricRecord(jsonLine: $0.text, path: path, lineNumber: $0.number)
        }
        let evaluationPath = run.folder.evaluationFile.relativePath
        run.follow(
          metrics: records,
          evaluations: newEvaluations.lines.compactMap {
            try? EvaluationRecord(jsonLine: $0.text, path: evaluationPath, lineNumber: $0.number)
          },
          replace: restarted, time: records.last?.time)
        let latest = run.store.latestCommonStep(variants: run.variants.map(\.name)) ?? 0
        if latest > loadedCheckpoint {
          loadedCheckpoint = latest
          do {
            try run.restoreCheckpoint(at: latest)
          } catch {
            note = "watching: \(who); cannot load the checkpoint at step \(latest): \(error)"
          }
        }
        if holder.host == SessionLock.hostName, kill(holder.pid, 0) != 0, errno == ESRCH {
          note = "pid \(holder.pid) has ended: reopen the session to train it here"
        }
      }
      publish(run, message: note)
    }
    projection?.cancel()
    state = .stopped
    publish(run, message: note)
  }
}
