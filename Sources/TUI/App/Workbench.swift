import Engine
import Foundation

/// The workbench's state and behaviour, independent of the terminal: it turns keys into screen
/// changes and engine commands, and draws the current screen into a canvas from the engine's
/// latest snapshot. `vlp`'s terminal loop feeds it keys and paints its canvas; tests drive it
/// with a fake engine and compare canvases with text snapshots.
public final class Workbench {
  public enum Outcome: Equatable, Sendable {
    case none
    case quit
    /// Open another session (the caller stops this engine, saving, and starts one for it).
    case open(session: String)
  }

  public let engine: EngineControl
  public var screen: ScreenID = .dashboard
  public private(set) var showingHelp = false
  public private(set) var confirmingQuit = false
  /// A line for the status bar after an action (what a key did, or why it did nothing).
  public private(set) var message: String?
  var snapshot: EngineSnapshot
  var dashboard = DashboardState()
  var pseudoTargets = PseudoTargetsState()
  var masked = MaskedTokensState()
  var projection = ProjectionState()
  var compare = CompareState()
  /// TensorBoard's smoothing weight for the dashboard's and compare screen's charts: a view
  /// setting, so the interface keeps it, not the engine.
  public private(set) var smoothing = 0.6
  var sessions: SessionsState
  /// What opening the session found (a stale lock file), before the engine's own notices (log
  /// lines set aside); shown on the status line until a key is pressed after them.
  let openingNotices: [String]
  private var noticesRead = 0

  /// The smallest terminal with a full screen; below it a one-line status is shown.
  public static let minimumSize = (width: 40, height: 10)

  public init(
    engine: EngineControl, sessionsRoot: URL = SessionFolder.defaultRoot, notices: [String] = []
  ) {
    self.engine = engine
    openingNotices = notices
    snapshot = engine.snapshot
    sessions = SessionsState(root: sessionsRoot)
  }

  // MARK: Keys

  public func handle(_ rawKey: Key) -> Outcome {
    let key = rawKey.normalized
    snapshot = engine.snapshot
    if key == .resize { return .none }
    noticesRead = openingNotices.count + snapshot.notices.count
    if confirmingQuit {
      switch key {
      case .character("y"), .character("Y"), .character("q"), .ctrl("c"), .enter: return .quit
      default:
        confirmingQuit = false
        message = "quit cancelled"
        return .none
      }
    }
    if showingHelp {
      showingHelp = false
      if key == .character("?") || key == .escape { return .none }
    }
    guard let action = WorkbenchKeys.keyMap.action(for: key, screen: screen.title) else {
      message = "\(key.displayName()) does nothing here: ? lists the keys of this screen"
      return .none
    }
    message = nil
    switch action {
    case .quit:
      if snapshot.state == .running {
        confirmingQuit = true
        return .none
      }
      return .quit
    case .quitNow: return .quit
    case .help: showingHelp = true
    case .back:
      if screen == .projection, ProjectionState.cancel(workbench: self) { return .none }
      show(.dashboard)
    case .nextScreen: show(screen.next)
    case .previousScreen: show(screen.previous)
    case .showScreen:
      if case .character(let digit) = key, let number = digit.wholeNumberValue,
        let target = ScreenID(rawValue: number)
      {
        show(target)
      }
    case .togglePause where snapshotIsWatching, .step where snapshotIsWatching:
      message = "another process trains this session; this window only watches it"
    case .togglePause:
      engine.togglePause()
      message = snapshot.state == .running ? "pausing" : "resuming"
    case .step:
      if snapshot.state == .paused {
        engine.step(1)
        message = "one step"
      } else {
        message = "n steps while paused (Space pauses)"
      }
    default:
      return handleScreenAction(action, key: key)
    }
    return .none
  }

  private func handleScreenAction(_ action: KeyAction, key: Key) -> Outcome {
    switch screen {
    case .dashboard: dashboard.handle(action, key: key, workbench: self)
    case .pseudoTargets: pseudoTargets.handle(action, key: key, snapshot: snapshot)
    case .maskedTokens: masked.handle(action, key: key, workbench: self)
    case .projection: projection.handle(action, workbench: self)
    case .compare: compare.handle(action, key: key, workbench: self)
    case .sessions: return sessions.handle(action, key: key, workbench: self)
    }
    return .none
  }

  func show(_ target: ScreenID) {
    screen = target
    switch target {
    case .maskedTokens: masked.enter(workbench: self)
    case .projection: projection.enter(workbench: self)
    case .sessions: sessions.refresh(force: true)
    default: break
    }
  }

  func say(_ text: String) { message = text }

  /// Smoothing shared by the dashboard and compare screens, in [0, 0.999] and rounded to
  /// thousandths so that steps of 0.05 come back to the same values.
  func changeSmoothing(by delta: Double) {
    let weight = min(max(smoothing + delta, 0), Smoothing.maximumWeight)
    smoothing = (weight * 1000).rounded() / 1000
    message = String(format: "smoothing %.2f", weight)
  }

  // MARK: Drawing

  public func draw(into canvas: Canvas) {
    snapshot = engine.snapshot
    canvas.clear()
    let root = canvas.root
    guard root.width >= Self.minimumSize.width, root.height >= Self.minimumSize.height else {
      drawCompact(root)
      return
    }
    let rows = Layout.rows(root.bounds, [.fixed(1), .fixed(1), .fill(), .fixed(1)])
    WorkbenchChrome.drawTitle(into: root.region(rows[0]), snapshot: snapshot, screen: screen)
    WorkbenchChrome.drawTabs(into: root.region(rows[1]), current: screen)
    let body = root.region(rows[2])
    switch screen {
    case .dashboard: dashboard.draw(into: body, snapshot: snapshot, smoothing: smoothing)
    case .pseudoTargets: pseudoTargets.draw(into: body, snapshot: snapshot)
    case .maskedTokens: masked.draw(into: body, snapshot: snapshot)
    case .projection: projection.draw(into: body, snapshot: snapshot)
    case .compare: compare.draw(into: body, snapshot: snapshot, smoothing: smoothing)
    case .sessions: sessions.draw(into: body, current: snapshot)
    }
    WorkbenchChrome.drawFooter(
      into: root.region(rows[3]), hint: footerHint, message: message ?? snapshotMessage ?? unreadNotices,
      keys: footerKeys)
    if showingHelp {
      HelpOverlay(keyMap: WorkbenchKeys.keyMap, screen: screen.title).draw(into: body)
    }
    if confirmingQuit { WorkbenchChrome.drawQuitQuestion(into: body, step: snapshot.step) }
  }

  private var snapshotIsWatching: Bool {
    if case .watching = snapshot.state { return true }
    return false
  }

  /// What the engine last said, when it matters (loading, a failure, who trains a watched one).
  private var snapshotMessage: String? {
    switch snapshot.state {
    case .failed(let reason): "failed: " + reason
    case .loading, .watching: snapshot.message
    default: nil
    }
  }

  /// Notices not yet seen: until the next key, each with its `note: `.
  private var unreadNotices: String? {
    let all = openingNotices + snapshot.notices
    guard all.count > noticesRead else { return nil }
    return all[noticesRead...].map { "note: " + ($0.hasPrefix("note: ") ? String($0.dropFirst(6)) : $0) }
      .joined(separator: "; ")
  }

  /// The keys every screen shares, as the footer names them: `n` only where it takes a step
  /// (on the sessions screen it makes a new session, which the hint says).
  private var footerKeys: String {
    let steps = WorkbenchKeys.keyMap.action(for: .character("n"), screen: screen.title) == .step
    return (["space pause"] + (steps ? ["n step"] : []) + ["? help", "q quit"])
      .joined(separator: " · ")
  }

  private var footerHint: String {
    switch screen {
    case .dashboard: dashboard.hint(smoothing: smoothing)
    case .pseudoTargets: "↑/↓ image · ←/→ variant"
    case .maskedTokens: "←/→ word · ↑/↓ sample · m mask · r random 15% · c clear"
    case .projection: "r from scratch · p place · f features · Esc cancels"
    case .compare: "←/→ objective · [ ] smoothing · y log · v evaluate"
    case .sessions: "↑/↓ choose · Enter open · n new from template"
    }
  }

  /// Below the minimum size: a one-line status and what size is needed; q still quits.
  private func drawCompact(_ root: CanvasRegion) {
    let status = WorkbenchChrome.statusText(snapshot)
    root.put(text: status, at: Point(x: 0, y: 0), style: root.theme.statusBar)
    if root.height >= 2 {
      root.put(
        text: "needs \(Self.minimumSize.width)x\(Self.minimumSize.height) (now \(root.width)x\(root.height)); q quits",
        at: Point(x: 0, y: 1), style: root.theme.dim)
    }
    if confirmingQuit, root.height >= 3 {
      root.put(text: "quit? y/n", at: Point(x: 0, y: 2), style: root.theme.highlight)
    }
  }
}
