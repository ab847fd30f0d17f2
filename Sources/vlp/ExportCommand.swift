import Engine
import Foundation
import NN
import RunLogs
import TUI

/// `vlp export SESSION --curves FILE.svg|FILE.csv`: the loss curves of a session's metrics log;
/// `vlp export SESSION --tensorboard DIR`: the session as TensorBoard event files;
/// `vlp export PATH... --curves FILE`: the curves of any logs `vlp watch` reads;
/// `vlp export SESSION --pytorch DIR [--init latest]`: the session as a PyTorch run (docs/scale-out.md).
enum ExportCommand {
  static let usage = """
    usage: vlp export SESSION --curves FILE.svg|FILE.csv [--smoothing 0.6]
           vlp export SESSION --tensorboard DIR
           vlp export PATH... --curves FILE.svg|FILE.csv [--smoothing 0.6]
           vlp export SESSION --pytorch DIR [--init latest|initial]
      Writes the loss curves in SESSION's metrics.jsonl (SESSION: a name under sessions/ or a
      session folder's path): CSV (one row per step and
      variant, one column per loss) or SVG (one chart per objective, variants overlaid, raw
      curve faint behind the debiased-EMA smoothed one).
      --tensorboard writes SESSION's metrics and evaluations as event files, DIR/VARIANT/
      (`tensorboard --logdir DIR`).
      PATH... (files or folders of logs that are not a session: event files, *.jsonl, log.txt,
      CSV; docs/watch.md) exports as CSV rows run,tag,step,wall_time,value, or an SVG chart per tag.
      --pytorch writes a PyTorch trainer for SESSION into DIR (model.py, objectives.py, train.py),
      each variant's resolved settings, weights (--init latest: the latest checkpoint; initial:
      the initial weights; default latest when there is one) and data, and prints the torchrun
      commands that train it on one or several machines (docs/scale-out.md); `vlp import DIR`
      brings the run back.
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["curves", "smoothing", "tensorboard", "pytorch", "init"], flagOptions: [])
    let smoothing = try parsed.options["smoothing"].map { text -> Double in
      guard let value = Double(text), value >= 0, value < 1 else {
        throw CommandLineArguments.UsageError(description: "--smoothing expects a number in [0, 1), got '\(text)'")
      }
      return value
    } ?? 0.6
    let watched = parsed.positionals.count > 1 || parsed.positionals.first.map(isWatchedPath) == true
    let session = watched ? nil : try SessionArgument.folder(parsed, command: "export")
    if let directory = parsed.options["pytorch"] {
      guard let folder = session else {
        throw CommandLineArguments.UsageError(description: "--pytorch exports one SESSION, not logs")
      }
      try exportPyTorch(folder, to: directory, initialWeights: parsed.options["init"])
      return
    }
    if let directory = parsed.options["tensorboard"] {
      guard let folder = session else {
        throw CommandLineArguments.UsageError(description: "--tensorboard exports one SESSION, not logs")
      }
      let points = try TensorBoardExport.write(folder, to: URL(fileURLWithPath: directory, isDirectory: true))
      print("wrote \(directory)/ (\(points) scalars; tensorboard --logdir \(directory))")
      return
    }
    guard let path = parsed.options["curves"] else {
      throw CommandLineArguments.UsageError(description: "export needs --curves FILE.svg or FILE.csv, or --tensorboard DIR")
    }
    let kind = URL(fileURLWithPath: path).pathExtension.lowercased()
    guard kind == "csv" || kind == "svg" else {
      throw CommandLineArguments.UsageError(description: "--curves must end in .svg or .csv, got '\(path)'")
    }
    let text: String
    let count: String
    if let folder = session {
      let records = try MetricRecord.records(of: folder)
      guard !records.isEmpty else {
        throw RunFailure(
          description: "\(folder.metricsFile.relativePath) holds no steps yet: train with `vlp run \(folder.name)` first")
      }
      text = kind == "csv"
        ? CurveExport.csv(records)
        : CurveExport.svg(records, title: "\(folder.name): loss curves", smoothing: smoothing)
      count = "\(records.count) records"
    } else {
      guard !parsed.positionals.isEmpty else {
        throw CommandLineArguments.UsageError(description: "export needs a SESSION or the PATHs of logs")
      }
      let watcher: LogWatcher
      do {
        watcher = try LogWatcher.load(paths: parsed.positionals, rules: [SessionLogRules()])
      } catch {
        throw RunFailure(description: "\(error)")
      }
      for notice in watcher.notices { FileHandle.standardError.write(Data("vlp: \(notice)\n".utf8)) }
      let points = watcher.store.runs.reduce(0) { $0 + $1.pointCount }
      guard points > 0 else {
        throw RunFailure(description: "no curves found under \(parsed.positionals.joined(separator: ", ")) (docs/watch.md lists the logs read)")
      }
      text = kind == "csv"
        ? WatchExport.csv(watcher.store)
        : WatchExport.svg(watcher.store, title: parsed.positionals.joined(separator: " "), smoothing: smoothing)
      count = "\(points) points of \(watcher.store.runs.count) runs"
    }
    do {
      try text.write(to: URL(fileURLWithPath: path), atomically: true, encoding: .utf8)
    } catch {
      throw RunFailure(description: "\(path): cannot write: \(systemErrorText(of: error))")
    }
    print("wrote \(path) (\(count))")
  }

  /// `--pytorch DIR`: writes the run's folder and prints how to start it.
  static func exportPyTorch(_ folder: SessionFolder, to directory: String, initialWeights: String?)
    throws
  {
    let latest: Bool
    switch initialWeights {
    case "latest": latest = true
    case "initial": latest = false
    case nil: latest = PyTorchExport.hasCheckpoints(folder)
    case let other?:
      throw CommandLineArguments.UsageError(description: "--init expects latest or initial, got '\(other)'")
    }
    let summary = try PyTorchExport.write(
      session: folder, to: URL(fileURLWithPath: directory, isDirectory: true),
      fromLatestCheckpoint: latest)
    print("wrote \(directory)/ (a PyTorch trainer for session \(folder.name); README.md)")
    for variant in summary.variants {
      let source = variant.step > 0 ? "its checkpoint at step \(variant.step)" : "its initial weights"
      print("\nvariant \(variant.name): \(variant.trainPairs) training pairs, from \(source)")
      for (purpose, command) in summary.commands(variant: variant.name) {
        print("  # \(purpose)\n  cd \(directory) && \(command)")
      }
    }
    print("\nthen: vlp watch \(directory)/runs   and   vlp import \(directory) --as NAME")
  }

  /// Logs rather than a SESSION: a folder without session.json (that is not a session's name
  /// under sessions/), or a file `vlp watch` reads. Anything else is taken as a SESSION, so its
  /// errors stay the session's.
  static func isWatchedPath(_ path: String) -> Bool {
    if SessionFolder.isValidName(path),
      FileManager.default.fileExists(atPath: SessionFolder.defaultRoot.appendingPathComponent(path).appendingPathComponent("session.json").path)
    {
      return false
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
    if isDirectory.boolValue {
      return !FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent("session.json").path)
    }
    return LogWatcher.isLogFile(named: URL(fileURLWithPath: path).lastPathComponent)
  }
}
