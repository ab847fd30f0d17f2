import Engine
import Foundation

/// Screen 6: the sessions under sessions/ with their state (new, running, paused, finished,
/// failed), last step and best evaluation; Enter opens one, `n` copies the chosen one's
/// session.json into a new session.
struct SessionsState {
  let root: URL
  var summaries: [SessionSummary] = []
  var selected = 0
  var lastRefresh = Date.distantPast

  init(root: URL) { self.root = root }

  /// Reads the folders again (at most every two seconds unless forced: it parses every
  /// session.json and eval.jsonl).
  mutating func refresh(force: Bool = false) {
    guard force || Date().timeIntervalSince(lastRefresh) > 2 else { return }
    lastRefresh = Date()
    summaries = SessionFolder.list(root: root).compactMap { name in
      (try? SessionFolder(name: name, root: root)).map(SessionSummary.init)
    }
    selected = min(selected, max(0, summaries.count - 1))
  }

  mutating func handle(_ action: KeyAction, key: Key, workbench: Workbench) -> Workbench.Outcome {
    switch action {
    case .move: selected += (key == .up || key == .character("k")) ? -1 : 1
    case .first: selected = 0
    case .last: selected = summaries.count - 1
    case .open:
      guard let chosen = summaries[safe: selected] else { return .none }
      if chosen.name == workbench.snapshot.session {
        workbench.show(.dashboard)
        return .none
      }
      if chosen.status == .invalid {
        workbench.say("\(chosen.name) cannot be opened: \(chosen.problem ?? "invalid session.json")")
        return .none
      }
      return .open(session: chosen.name)
    case .create:
      guard let template = summaries[safe: selected] else { return .none }
      do {
        let name = try Self.createCopy(of: template.name, root: root)
        refresh(force: true)
        selected = summaries.firstIndex { $0.name == name } ?? selected
        workbench.say("created sessions/\(name)/ from \(template.name): Enter opens it")
      } catch {
        workbench.say("could not create a session: \(error)")
      }
    default: break
    }
    selected = min(max(0, selected), max(0, summaries.count - 1))
    return .none
  }

  /// Copies `template`'s session.json (only: no run outputs) into the first free
  /// `TEMPLATE-2`, `TEMPLATE-3`, ...; returns the new name.
  static func createCopy(of template: String, root: URL) throws -> String {
    let source = try SessionFolder(name: template, root: root)
    var number = 2
    var folder = try SessionFolder(name: "\(template)-\(number)", root: root)
    while FileManager.default.fileExists(atPath: folder.url.path) {
      number += 1
      folder = try SessionFolder(name: "\(template)-\(number)", root: root)
    }
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: source.sessionFile, to: folder.sessionFile)
    return folder.name
  }

  mutating func draw(into region: CanvasRegion, current: EngineSnapshot) {
    refresh()
    let glyphs = region.glyphs
    let parts = Layout.rows(region.bounds, [.fill(), .fixed(min(6, max(0, region.height / 3)))])
    let rows = summaries.map { summary -> [String] in
      let isCurrent = summary.name == current.session
      let status = isCurrent ? "\(current.state)" : summary.status.rawValue
      let step = isCurrent ? current.step : summary.step
      let best = summary.best.map { String(format: "%.3f (%@ @%d)", $0.meanRecall, $0.variant, $0.step) } ?? "-"
      return [
        (isCurrent ? glyphs.text("● ") : "  ") + summary.name, status,
        "\(step) / \(summary.targetStep)", best, summary.variants.joined(separator: ", "),
      ]
    }
    Table(
      columns: [
        TableColumn("session"), TableColumn("status"), TableColumn("step", alignment: .right),
        TableColumn("best mean recall"), TableColumn("variants"),
      ],
      rows: rows, selectedRow: summaries.isEmpty ? nil : selected
    ).draw(into: region.region(parts[0]).frame(title: "sessions in \(root.lastPathComponent)/"))
    guard let chosen = summaries[safe: selected], parts[1].height > 2 else { return }
    let about = region.region(parts[1]).frame(title: chosen.name)
    let text = chosen.problem.map { "problem: " + $0 } ?? chosen.description
    for (row, line) in TextBlock.wrap(text, width: max(1, about.width - 2)).prefix(about.height).enumerated() {
      about.put(text: line, at: Point(x: 1, y: row), style: region.theme.text)
    }
  }
}
