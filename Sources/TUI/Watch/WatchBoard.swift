import Foundation
import RunLogs

/// `vlp watch`: the workbench's charts over runs that other programs write (TensorBoard event
/// files, JSON-lines and CSV logs), followed as they grow. Like `Workbench` it is independent of
/// the terminal: the caller feeds it keys, polls the files through it and paints its canvas.
public final class WatchBoard {
  public enum Outcome: Equatable, Sendable { case none, quit }

  public let watcher: LogWatcher
  public var screen: WatchScreen = .dashboard
  public private(set) var showingHelp = false
  public private(set) var message: String?
  /// The filter being typed after `/` (nil when not editing).
  public private(set) var editingFilter: String?
  var selection = WatchSelection()
  var smoothing = 0.6
  var logScale = false
  var ignoreOutliers = false
  var xAxis = WatchXAxis.step
  var dashboard = WatchDashboard()
  var compareTag = 0
  var runCursor = 0
  private var noticesSeen = 0

  public init(watcher: LogWatcher) { self.watcher = watcher }

  /// Reads what the files gained; true when something changed on screen.
  public func poll() -> Bool {
    let changed = watcher.poll()
    if watcher.notices.count != noticesSeen {
      noticesSeen = watcher.notices.count
      message = watcher.notices.last
      return true
    }
    return changed
  }

  var store: CurveStore { watcher.store }

  // MARK: Keys

  public func handle(_ rawKey: Key) -> Outcome {
    let key = rawKey.normalized
    if key == .resize { return .none }
    if editingFilter != nil {
      editFilter(key)
      return .none
    }
    if showingHelp {
      showingHelp = false
      if key == .character("?") || key == .escape { return .none }
    }
    guard let action = WatchKeys.keyMap.action(for: key, screen: screen.title) else {
      message = "\(key.displayName()) does nothing here: ? lists the keys of this screen"
      return .none
    }
    message = nil
    switch action {
    case .quit, .quitNow: return .quit
    case .help: showingHelp = true
    case .back: screen = .dashboard
    case .nextScreen: screen = WatchScreen(rawValue: screen.rawValue % WatchScreen.allCases.count + 1)!
    case .previousScreen:
      screen = WatchScreen(rawValue: (screen.rawValue + WatchScreen.allCases.count - 2) % WatchScreen.allCases.count + 1)!
    case .showScreen:
      if case .character(let digit) = key, let number = digit.wholeNumberValue,
        let target = WatchScreen(rawValue: number)
      {
        screen = target
      }
    case .smoothLess, .smoothMore:
      let weight = min(max(smoothing + (action == .smoothMore ? 0.05 : -0.05), 0), Smoothing.maximumWeight)
      smoothing = (weight * 1000).rounded() / 1000
      message = String(format: "smoothing %.2f", smoothing)
    case .toggleLogScale: logScale.toggle()
    case .toggleOutliers: ignoreOutliers.toggle()
    case .toggleTimeAxis:
      xAxis = WatchXAxis.allCases[(WatchXAxis.allCases.firstIndex(of: xAxis)! + 1) % WatchXAxis.allCases.count]
      message = "x axis: \(xAxis.title)"
    // A new expression each time, as in less and vim; Enter on an empty one clears the filter.
    case .filter: editingFilter = ""
    default: handleScreenAction(action, key: key)
    }
    return .none
  }

  private func handleScreenAction(_ action: KeyAction, key: Key) {
    switch screen {
    case .dashboard: dashboard.handle(action, key: key, board: self)
    case .compare:
      guard action == .move else { return }
      let count = selection.tags(store).count
      compareTag += (key == .left || key == .character("h")) ? -1 : 1
      compareTag = count == 0 ? 0 : (compareTag % count + count) % count
    case .runs:
      let runs = store.runs
      switch action {
      case .move:
        runCursor += (key == .up || key == .character("k")) ? -1 : 1
        runCursor = min(max(0, runCursor), max(0, runs.count - 1))
      case .toggleRun:
        guard let run = runs[safe: runCursor]?.name else { return }
        if selection.hiddenRuns.remove(run) == nil { selection.hiddenRuns.insert(run) }
        message = "\(run) \(selection.hiddenRuns.contains(run) ? "hidden" : "shown")"
      case .allRuns:
        selection.hiddenRuns.removeAll()
        message = "every run shown"
      default: break
      }
    }
  }

  private func editFilter(_ key: Key) {
    guard var text = editingFilter else { return }
    switch key {
    case .escape, .ctrl("c"):
      editingFilter = nil
      message = "filter unchanged"
      return
    case .enter:
      if text.isEmpty {
        selection.filter = nil
        selection.filterText = ""
        editingFilter = nil
        message = "filter cleared"
        return
      }
      do {
        selection.filter = try NSRegularExpression(pattern: text)
        selection.filterText = text
        editingFilter = nil
        message = "filter /\(text)/"
        dashboard.selected = 0
        compareTag = 0
      } catch {
        message = "not a regular expression: \(text) (fix it, or Esc)"
      }
      return
    case .backspace, .delete: if !text.isEmpty { text.removeLast() }
    case .space: text.append(" ")
    case .character(let character): text.append(character)
    default: break
    }
    editingFilter = text
  }

  // MARK: Drawing

  public func draw(into canvas: Canvas) {
    canvas.clear()
    let root = canvas.root
    guard root.width >= 40, root.height >= 10 else {
      root.put(text: "vlp watch: \(store.runs.count) runs; needs 40x10; q quits", at: Point(x: 0, y: 0), style: root.theme.statusBar)
      return
    }
    let rows = Layout.rows(root.bounds, [.fixed(1), .fixed(1), .fill(), .fixed(1)])
    drawTitle(into: root.region(rows[0]))
    drawTabs(into: root.region(rows[1]))
    let body = root.region(rows[2])
    switch screen {
    case .dashboard: dashboard.draw(into: body, board: self)
    case .compare: drawCompare(into: body)
    case .runs: drawRuns(into: body)
    }
    drawFooter(into: root.region(rows[3]))
    if showingHelp { HelpOverlay(keyMap: WatchKeys.keyMap, screen: screen.title).draw(into: body) }
  }

  private func drawTitle(into region: CanvasRegion) {
    let points = store.runs.reduce(0) { $0 + $1.pointCount }
    let paths = watcher.roots.map(\.relativePath).joined(separator: " ")
    StatusBar(
      left: [StatusSegment(region.glyphs.text(" vlp watch · \(paths) ─ \(screen.title)"))],
      right: [StatusSegment(region.glyphs.text("\(Self.count(store.runs.count, "run")) · \(Self.count(store.tags.count, "tag")) · \(NumberFormat.compact(Double(points))) points "))]
    ).draw(into: region)
  }

  static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

  private func drawTabs(into region: CanvasRegion) {
    var x = 1
    for item in WatchScreen.allCases {
      let label = "\(item.rawValue) \(item.title)"
      let style = item == screen ? region.theme.highlight.adding(.reverse) : region.theme.text
      region.put(text: label, at: Point(x: x, y: 0), style: style)
      x += DisplayWidth.of(label) + 2
    }
    if !selection.filterText.isEmpty {
      region.put(text: "filter /\(selection.filterText)/", at: Point(x: x + 2, y: 0), style: region.theme.key)
    }
    region.put(text: "? help", at: Point(x: region.width - 7, y: 0), width: 7, alignment: .right, style: region.theme.dim)
  }

  private func drawFooter(into region: CanvasRegion) {
    let theme = region.theme
    if let editing = editingFilter {
      StatusBar(left: [StatusSegment(" /" + editing + "_", style: theme.highlight)],
        right: [StatusSegment((selection.filterText.isEmpty ? "" : "now /\(selection.filterText)/ · ") + "Enter apply (empty: clear) · Esc cancel ", style: theme.dim)]).draw(into: region)
      return
    }
    let hint = String(format: "smoothing %.2f ([ ])", smoothing) + "   y: \(logScale ? "log" : "linear")   x: \(xAxis.title)   / filter"
    StatusBar(
      left: [StatusSegment(region.glyphs.text(" " + (message ?? hint)), style: message == nil ? theme.dim : theme.highlight)],
      right: [StatusSegment(region.glyphs.text("? help · q quit "), style: theme.dim)]
    ).draw(into: region)
  }

  func chart(tag: String, into region: CanvasRegion, legend: LegendPlacement = .automatic) {
    let runs = selection.runs(store, tag: tag)
    let series = WatchSeries.series(
      runs, tag: tag, xAxis: xAxis, smoothing: smoothing,
      columns: max(8, region.width * region.glyphs.raster.dotsPerCell.columns),
      theme: region.theme, allRuns: store.runs)
    guard !series.isEmpty else {
      region.put(text: region.glyphs.text("no points on this x axis"), at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    LineChart(
      series: series, smoothing: smoothing, showRaw: true,
      yScale: logScale ? .logarithmic : .linear, ignoreOutliers: ignoreOutliers,
      xFormat: xAxis == .step ? .number : .duration, legend: series.count > 1 ? legend : .hidden
    ).draw(into: region)
  }

  private func drawCompare(into region: CanvasRegion) {
    let tags = selection.tags(store)
    guard let tag = tags[safe: min(compareTag, tags.count - 1)] else {
      region.put(text: emptyText, at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    let runs = selection.runs(store, tag: tag)
    let tableHeight = min(runs.count + 3, max(4, region.height / 3))
    let rows = Layout.rows(region.bounds, [.fill(), .fixed(tableHeight)])
    let frame = region.region(rows[0]).frame(
      title: region.glyphs.text("\(tag) · tag \(min(compareTag, tags.count - 1) + 1) of \(tags.count) (←/→) · every shown run"))
    chart(tag: tag, into: frame)
    let table = runs.map { run -> [String] in
      let series = run[tag]!
      let finite = series.values.filter(\.isFinite)
      return [
        run.name, NumberFormat.compact(Double(series.count)), series.steps.last.map { "\($0)" } ?? "-",
        series.values.last.map { NumberFormat.compact($0) } ?? "-",
        finite.min().map { NumberFormat.compact($0) } ?? "-", finite.max().map { NumberFormat.compact($0) } ?? "-",
      ]
    }
    Table(
      columns: [
        TableColumn("run"), TableColumn("points", alignment: .right), TableColumn("last step", alignment: .right),
        TableColumn("latest", alignment: .right), TableColumn("min", alignment: .right, best: .lowest),
        TableColumn("max", alignment: .right, best: .highest),
      ], rows: table
    ).draw(into: region.region(rows[1]).frame(title: "latest values"))
  }

  private func drawRuns(into region: CanvasRegion) {
    let inside = region.frame(title: region.glyphs.text("runs · Space shows or hides · a shows all"))
    let rows = store.runs.map { run -> [String] in
      [selection.hiddenRuns.contains(run.name) ? "[ ]" : "[x]", run.name, "\(run.tags.count)",
       NumberFormat.compact(Double(run.pointCount)),
       run.series.values.compactMap(\.steps.last).max().map { "\($0)" } ?? "-"]
    }
    guard !rows.isEmpty else {
      inside.put(text: emptyText, at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    Table(
      columns: [TableColumn("shown"), TableColumn("run"), TableColumn("tags", alignment: .right),
        TableColumn("points", alignment: .right), TableColumn("last step", alignment: .right)],
      rows: rows, selectedRow: runCursor
    ).draw(into: inside)
  }

  var emptyText: String {
    store.runs.isEmpty
      ? "waiting for logs under \(watcher.roots.map(\.relativePath).joined(separator: ", ")) (event files, *.jsonl, log.txt, *.csv)…"
      : selection.filter != nil ? "nothing matches /\(selection.filterText)/ (/ then Enter on an empty line clears it)" : "waiting for the first point…"
  }
}
