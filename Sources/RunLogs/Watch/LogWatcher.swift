import Foundation

/// Follows the run logs under some paths: finds the files (again every few seconds, so new runs
/// and files appear), reads what each file gained since the last poll, and keeps every run's
/// curves in a `CurveStore`. Polling costs one `stat` per file when nothing changed; it is
/// driven by the caller (`vlp watch` polls about twice a second), so nothing here needs a thread.
public final class LogWatcher {
  public let roots: [URL]
  public private(set) var store = CurveStore()
  /// Damaged records and unreadable lines, newest last: `FILE: byte N: what`.
  public private(set) var notices: [String] = []
  public private(set) var files: [String] = []
  /// Increases whenever the curves change.
  public private(set) var generation = 0
  private var followed: [String: FollowedFile] = [:]
  private var order: [String] = []
  private var lastDiscovery: Date?
  private var reported: Set<String> = []
  public var discoveryInterval: TimeInterval = 2
  /// Logs that another module's rules govern (vlp's session logs: Engine's `SessionLogRules`).
  let rules: [any LogLineRules]

  /// Every path must exist (a file or a folder). `rules`: how to read the logs they govern.
  public init(paths: [String], rules: [any LogLineRules] = []) throws {
    self.rules = rules
    roots = try paths.map { path in
      guard FileManager.default.fileExists(atPath: path) else { throw RunLogError.notFound(path: path) }
      return URL(fileURLWithPath: path)
    }
  }

  /// Reads everything once, as a whole (a record cut short at the end is then reported).
  public static func load(paths: [String], rules: [any LogLineRules] = []) throws -> LogWatcher {
    let watcher = try LogWatcher(paths: paths, rules: rules)
    watcher.poll(isFinal: true)
    return watcher
  }

  /// Looks for new files when due, then reads what every file gained. Returns whether any
  /// curve changed.
  @discardableResult
  public func poll(isFinal: Bool = false, now: Date = Date()) -> Bool {
    if lastDiscovery.map({ now.timeIntervalSince($0) >= discoveryInterval }) ?? true {
      discover()
      lastDiscovery = now
    }
    var changed = false
    for path in order {
      guard var file = followed[path] else { continue }
      do {
        switch try file.check() {
        case .none: break
        case .replaced:
          note("\(file.shownPath): shorter than what was read; read again from its start")
          resetRun(of: file)
          file = followed[path]!
          _ = try file.check()  // the new size, to read from the start
          fallthrough
        case .grew:
          let problems = try file.read(into: &store, isFinal: isFinal)
          for problem in problems { note("\(file.shownPath): \(problem)") }
          if let refusal = file.parser.refusal { noteOnce(refusal) }
          changed = true
        }
      } catch {
        noteOnce("\(error)")
      }
      followed[path] = file
    }
    if changed { generation += 1 }
    return changed
  }

  private func note(_ text: String) {
    notices.append(text)
    if notices.count > 200 { notices.removeFirst(notices.count - 200) }
  }

  private func noteOnce(_ text: String) {
    if reported.insert(text).inserted { note(text) }
  }

  /// Forgets the run's points and reads each of its files again from the start.
  private func resetRun(of file: FollowedFile) {
    let run = file.parser.run
    store.reset(run: run)
    for path in order {
      guard var file = followed[path], file.parser.run == run else { continue }
      file.offset = 0
      file.size = 0
      file.parser = file.makeParser()
      followed[path] = file
    }
  }

  // MARK: Finding files

  private func discover() {
    for root in roots {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
        noteOnce("\(root.relativePath): no longer exists")
        continue
      }
      if !isDirectory.boolValue {
        let run = root.deletingLastPathComponent().lastPathComponent
        follow(root, run: run.isEmpty ? "." : run, explicit: true)
        continue
      }
      for file in Self.logFiles(under: root) {
        let folder = file.deletingLastPathComponent().path
        var relative = String(folder.dropFirst(root.path.count))
        while relative.hasPrefix("/") { relative.removeFirst() }
        follow(file, run: relative.isEmpty ? root.lastPathComponent : relative, explicit: false)
      }
    }
  }

  private func follow(_ url: URL, run: String, explicit: Bool) {
    let path = url.path
    guard followed[path] == nil else { return }
    guard let kind = LogFileKind(fileName: url.lastPathComponent, explicit: explicit) else {
      noteOnce("\(url.relativePath): not a known log (event file, .jsonl, log.txt or .csv)")
      return
    }
    let shown = url.relativePath
    let make: @Sendable () -> FollowedFile.Parser
    switch kind {
    case .events: make = { .events(EventFileParser(run: run)) }
    case .jsonLines:
      let governing = rules.first { $0.governs(url) }
      make = { .jsonLines(JSONLinesParser(run: run, path: shown, rules: governing)) }
    case .csv: make = { .csv(CSVCurveParser(run: run)) }
    }
    followed[path] = FollowedFile(url: url, shownPath: shown, makeParser: make)
    order.append(path)
    // Event files of one run are read in name order (their names start with the time).
    order.sort()
    files = order
  }

  /// Whether `vlp watch` reads a file of this name when given it by name.
  public static func isLogFile(named name: String) -> Bool {
    LogFileKind(fileName: name, explicit: true) != nil
  }

  /// The log files under a folder. A vlp session folder's `tensorboard/` copy of its metrics is
  /// skipped (its metrics.jsonl says the same), and so is a JSON-lines log beside event files.
  static func logFiles(under root: URL) -> [URL] {
    guard let enumerator = FileManager.default.enumerator(
      at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey],
      options: [.skipsHiddenFiles])
    else { return [] }
    var found: [URL] = []
    for case let url as URL in enumerator {
      let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
      if values?.isDirectory == true {
        let parent = url.deletingLastPathComponent()
        if ["tensorboard", "checkpoints"].contains(url.lastPathComponent),
          FileManager.default.fileExists(atPath: parent.appendingPathComponent("session.json").path)
        {
          enumerator.skipDescendants()
        }
        continue
      }
      if values?.isRegularFile == true, LogFileKind(fileName: url.lastPathComponent, explicit: false) != nil {
        found.append(url)
      }
    }
    // A trainer that writes both TensorBoard event files and a JSON-lines log into one folder
    // (vlp's exported PyTorch trainer; `SummaryWriter` beside a log.jsonl) logs the same values
    // twice under one run name: the event files are followed, the folder's JSON lines are not.
    let eventFolders = Set(
      found.filter { LogFileKind(fileName: $0.lastPathComponent, explicit: false) == .events }
        .map { $0.deletingLastPathComponent().path })
    return found.filter {
      LogFileKind(fileName: $0.lastPathComponent, explicit: false) != .jsonLines
        || !eventFolders.contains($0.deletingLastPathComponent().path)
    }.sorted { $0.path < $1.path }
  }
}

/// What a file is, by its name.
enum LogFileKind {
  case events, jsonLines, csv

  /// `explicit`: the user named the file, so any `.txt` or `.log` is taken as JSON lines.
  init?(fileName: String, explicit: Bool) {
    let lower = fileName.lowercased()
    if lower.contains("tfevents") {
      self = .events
    } else if lower.hasSuffix(".jsonl") || lower == "log.txt" || (explicit && (lower.hasSuffix(".txt") || lower.hasSuffix(".log"))) {
      self = .jsonLines
    } else if lower.hasSuffix(".csv") {
      self = .csv
    } else {
      return nil
    }
  }
}
