import Engine
import Foundation
import RunLogs
import TUI
import TUICurses

/// `vlp watch PATH...`: the workbench's dashboard and compare screens over any trainer's logs,
/// followed live (docs/watch.md).
enum WatchCommand {
  static let usage = """
    usage: vlp watch PATH... [--poll SECONDS]
      Opens the dashboard on the runs under each PATH (a file, or a folder searched
      recursively): TensorBoard event files (events.out.tfevents.*, as torch.utils.tensorboard,
      tensorboardX and TensorFlow write them), vlp's metrics.jsonl and eval.jsonl, ALBEF / BLIP
      / LAVIS log.txt, and CSV curves. Files are followed as they grow (polled every 0.5 s by
      default); new files and runs appear as they are written. ? inside lists the keys.
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(arguments, valueOptions: ["poll"], flagOptions: [])
    guard !parsed.positionals.isEmpty else {
      throw CommandLineArguments.UsageError(description: "watch needs at least one PATH")
    }
    let interval = try parsed.options["poll"].map { text -> Double in
      guard let value = Double(text), value >= 0.05, value <= 60 else {
        throw CommandLineArguments.UsageError(description: "--poll expects seconds in [0.05, 60], got '\(text)'")
      }
      return value
    } ?? 0.5
    let watcher: LogWatcher
    do {
      // A vlp session's logs are read by SessionLog's rules, as resume and export read them.
      watcher = try LogWatcher(paths: parsed.positionals, rules: [SessionLogRules()])
    } catch {
      throw RunFailure(description: "\(error)")
    }
    let board = WatchBoard(watcher: watcher)
    _ = board.poll()
    let terminal: TerminalSession
    do {
      // Keys are read with a 100 ms timeout; the screen is redrawn only when a key came, a
      // file changed or the terminal was resized, so an idle watch costs little.
      terminal = try TerminalSession(inputTimeout: 100)
    } catch {
      throw RunFailure(description: "\(error)")
    }
    defer { terminal.close() }
    var lastPoll = Date()
    var dirty = true
    while true {
      if dirty {
        let canvas = terminal.makeCanvas()
        board.draw(into: canvas)
        terminal.draw(canvas)
        dirty = false
      }
      if let key = terminal.readKey() {
        if board.handle(key) == .quit { break }
        dirty = true
      }
      if Date().timeIntervalSince(lastPoll) >= interval {
        lastPoll = Date()
        if board.poll() { dirty = true }
      }
    }
  }
}
