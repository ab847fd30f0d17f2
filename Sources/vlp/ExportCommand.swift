import Engine
import Foundation
import TUI

/// `vlp export SESSION --curves FILE.svg|FILE.csv`: the loss curves of a session's metrics log.
enum ExportCommand {
  static let usage = """
    usage: vlp export SESSION --curves FILE.svg|FILE.csv [--smoothing 0.6]
      Writes the loss curves in SESSION's metrics.jsonl (SESSION: a name under sessions/ or a
      session folder's path): CSV (one row per step and
      variant, one column per loss) or SVG (one chart per objective, variants overlaid, raw
      curve faint behind the debiased-EMA smoothed one).
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["curves", "smoothing"], flagOptions: [])
    let folder = try SessionArgument.folder(parsed, command: "export")
    guard let path = parsed.options["curves"] else {
      throw CommandLineArguments.UsageError(description: "export needs --curves FILE.svg or FILE.csv")
    }
    let smoothing = try parsed.options["smoothing"].map { text -> Double in
      guard let value = Double(text), value >= 0, value < 1 else {
        throw CommandLineArguments.UsageError(description: "--smoothing expects a number in [0, 1), got '\(text)'")
      }
      return value
    } ?? 0.6
    let records = try MetricRecord.records(of: folder)
    guard !records.isEmpty else {
      throw RunFailure(
        description: "\(folder.metricsFile.relativePath) holds no steps yet: train with `vlp run \(folder.name)` first")
    }
    let text: String
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "csv": text = CurveExport.csv(records)
    case "svg": text = CurveExport.svg(records, title: "\(folder.name): loss curves", smoothing: smoothing)
    default:
      throw CommandLineArguments.UsageError(description: "--curves must end in .svg or .csv, got '\(path)'")
    }
    do {
      try text.write(to: URL(fileURLWithPath: path), atomically: true, encoding: .utf8)
    } catch {
      throw RunFailure(description: "\(path): cannot write: \(error.localizedDescription)")
    }
    print("wrote \(path) (\(records.count) records)")
  }
}
