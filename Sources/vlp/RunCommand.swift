import Dispatch
import Engine
import Formatting
import Foundation

/// `vlp run SESSION`: headless training with progress lines; Ctrl-C, SIGTERM, SIGHUP and SIGQUIT
/// save first.
enum RunCommand {
  static let usage = """
    usage: vlp run SESSION [--steps N] [--set key=value ...] [--threads N] [--every SECONDS]
      SESSION is a name under sessions/ (default) or a session folder's path (sessions/default/).
      Trains every variant of the session in lockstep until step N (default: the
      session's training.steps), resuming from its latest checkpoint, printing progress every
      few seconds (--every, default 5) and saving a checkpoint at the end. Ctrl-C, SIGTERM,
      SIGHUP (the terminal closed) and SIGQUIT (Ctrl-\\) save a checkpoint and flush the logs
      before exiting (status 128 + the signal: 130, 143, 129, 131). One process writes a
      session at a time: a second `vlp run` (or a training `vlp tui`) on it exits with status 1,
      naming the one that holds it.
      --set key=value   override any configuration key for this run (repeatable)
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["steps", "set", "threads", "every"], flagOptions: [])
    let folder = try SessionArgument.folder(parsed, command: "run")
    var options = TrainingEngine.Options()
    options.targetStep = try parsed.options["steps"].map { _ in try parsed.integers("steps", default: [])[0] }
    options.threads = try parsed.options["threads"].map { _ in try parsed.integers("threads", default: [])[0] }
    let interval = try parsed.options["every"].map { _ in Double(try parsed.integers("every", default: [])[0]) } ?? 5
    let engine = try TrainingEngine(folder: folder, overrides: parsed.repeated["set"] ?? [], options: options)
    if let notice = engine.lockNotice { FileHandle.standardError.write(Data("vlp: \(notice)\n".utf8)) }
    let trap = SignalTrap { signal in
      FileHandle.standardError.write(
        Data("vlp: \(SignalTrap.name(signal)): saving a checkpoint and stopping\n".utf8))
      engine.requestStop()
    }
    let final = HeadlessRun.run(engine, interval: interval) { print($0) }
    if case .failed(let message) = final.state {
      throw RunFailure(description: "\(folder.name): \(message)")
    }
    let saved = final.lastCheckpointStep.map { "checkpoint at step \($0) in \(folder.checkpointsFolder.relativePath)/" } ?? "no checkpoint"
    print("stopped at step \(final.step)/\(final.targetStep) after \(DurationFormat.text(final.elapsed)) of training; \(saved)")
    if let signal = trap.received { exit(128 + signal) }
  }
}

/// An error that ends a command with status 1 (failed) and its message.
struct RunFailure: Error, CustomStringConvertible {
  let description: String
}

/// Turns SIGINT, SIGTERM, SIGHUP and SIGQUIT into a callback on a dispatch queue (instead of
/// killing the process mid-write), so the engine can save before the process exits. SIGQUIT is
/// a request to quit like the others: caught here, it never reaches the Swift runtime's crash
/// handler, which would print a backtrace and freeze. `@unchecked`: `first` is read and written
/// under `lock`, `sources` only in init.
final class SignalTrap: @unchecked Sendable {
  private var sources: [DispatchSourceSignal] = []
  private let lock = NSLock()
  private var first: Int32?

  var received: Int32? { lock.withLock { first } }

  static let stopSignals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

  static func name(_ signal: Int32) -> String {
    switch signal {
    case SIGINT: "interrupted"
    case SIGHUP: "hung up (SIGHUP)"
    case SIGQUIT: "quit (SIGQUIT)"
    default: "terminated"
    }
  }

  init(_ handler: @escaping @Sendable (Int32) -> Void) {
    for signalNumber in Self.stopSignals {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler { [self] in
        let isFirst = lock.withLock {
          defer { first = first ?? signalNumber }
          return first == nil
        }
        if isFirst { handler(signalNumber) }
      }
      source.resume()
      sources.append(source)
    }
  }
}

/// The SESSION positional every session command takes: a name under sessions/ or the path of a
/// session folder (SessionFolder.resolve).
enum SessionArgument {
  static func folder(_ parsed: CommandLineArguments, command: String) throws -> SessionFolder {
    guard parsed.positionals.count == 1 else {
      throw CommandLineArguments.UsageError(
        description: "\(command) needs one SESSION (a name under sessions/ or a session folder's "
          + "path; available: " + SessionFolder.list().joined(separator: ", ") + ")")
    }
    return try named(parsed.positionals[0])
  }

  /// A session name or folder path given on the command line; a usage error when it is neither.
  static func named(_ name: String) throws -> SessionFolder {
    do {
      return try SessionFolder.resolve(name)
    } catch let error as SessionError {
      // A name is looked up in sessions/; a session folder right here needs the path form.
      let here = FileManager.default.fileExists(atPath: name + "/session.json")
      let hint = here ? "; for the folder ./\(name), write ./\(name) or \(name)/" : ""
      throw CommandLineArguments.UsageError(description: "\(error)\(hint)")
    }
  }
}
