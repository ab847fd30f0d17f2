import Engine
import Foundation
import TUI
import TUICurses

/// `vlp` and `vlp tui SESSION`: the terminal workbench. Opens the session's dashboard and
/// starts (or resumes) its training at once; quitting saves the run.
enum TUICommand {
  static let usage = """
    usage: vlp [tui [SESSION]] [--paused] [--threads N] [--projection-points N]
               [--set key=value ...]
      Opens the terminal workbench on SESSION (a name under sessions/ or a session folder's
      path; default: default) and trains it live,
      resuming from its latest checkpoint. --paused opens it paused (Space starts). ? inside
      lists the keys (docs/keys.md). Needs a terminal: for scripts and logs use
      `vlp run SESSION`. A session that another process trains (`vlp run`, another workbench)
      opens as a live view: its curves and evaluations follow the files, the status line names
      the process, and nothing is trained or written here. Ctrl-Z suspends the workbench, and
      training with it (the process is stopped); `fg` resumes both. --projection-points N:
      the projection screen maps N points (held-out pairs first, then the others; 50,000 and
      more run in the background), instead of the tokens of 60 held-out pairs.
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["threads", "set", "projection-points"], flagOptions: ["paused"])
    guard parsed.positionals.count <= 1 else {
      throw CommandLineArguments.UsageError(description: "tui takes at most one SESSION")
    }
    let argument = parsed.positionals.first ?? "default"
    var options = TrainingEngine.Options()
    options.startPaused = parsed.flags.contains("paused")
    options.threads = try parsed.options["threads"].map { _ in try parsed.integers("threads", default: [])[0] }
    if parsed.options["projection-points"] != nil {
      options.projectionPoints = try parsed.integers("projection-points", default: [])[0]
    }
    let overrides = parsed.repeated["set"] ?? []
    // Everything that can be refused is checked before the terminal changes mode.
    let first = try SessionArgument.named(argument)
    // The Sessions screen lists and opens the sessions beside the one given.
    let root = SessionFolder.isValidName(argument) ? SessionFolder.defaultRoot : first.root
    var current = first
    var engine = try openEngine(first, overrides: overrides, options: options)
    let terminal: TerminalSession
    do {
      terminal = try TerminalSession()
    } catch {
      throw RunFailure(description: "\(error)")
    }
    defer { terminal.close() }
    while true {
      engine.start()
      let workbench = Workbench(
        engine: engine, sessionsRoot: root, notices: engine.lockNotice.map { [$0] } ?? [])
      var outcome = Workbench.Outcome.none
      while outcome == .none {
        let canvas = terminal.makeCanvas()
        workbench.draw(into: canvas)
        terminal.draw(canvas)
        if let key = terminal.readKey() { outcome = workbench.handle(key) }
      }
      if case .watching = engine.snapshot.state {} else { drawSaving(terminal, workbench: workbench) }
      engine.stop()
      guard case .open(let next) = outcome else { break }
      do {
        let folder = try SessionFolder.existing(next, root: root)
        engine = try openEngine(folder, overrides: [], options: options)
        current = folder
      } catch {
        // The session list showed it as valid; if it changed meanwhile, reopen the old one.
        engine = try openEngine(
          current, overrides: current == first ? overrides : [], options: options)
      }
    }
    if case .failed(let reason) = engine.snapshot.state {
      terminal.close()
      throw RunFailure(description: "\(current.name): \(reason)")
    }
  }

  /// The engine that trains `folder`, or, when another process holds its lock, one that
  /// watches it.
  private static func openEngine(
    _ folder: SessionFolder, overrides: [String], options: TrainingEngine.Options
  ) throws -> TrainingEngine {
    do {
      return try TrainingEngine(folder: folder, overrides: overrides, options: options)
    } catch SessionLockError.held(_, _, let holder?) {
      var watching = options
      watching.watching = holder
      return try TrainingEngine(folder: folder, overrides: overrides, options: watching)
    }
  }

  /// One last frame while the engine saves (a checkpoint can take a moment).
  private static func drawSaving(_ terminal: TerminalSession, workbench: Workbench) {
    let canvas = terminal.makeCanvas()
    workbench.draw(into: canvas)
    canvas.root.put(
      text: " saving the run… ", at: Point(x: 0, y: max(0, canvas.height - 1)),
      style: canvas.theme.highlight)
    terminal.draw(canvas)
  }
}
