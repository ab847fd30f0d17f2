import Engine
import Foundation
import Tensor
import VLP

/// `vlp experiment SESSION`: trains every variant of a session for each seed with the same
/// budget and prints the evaluation table (mean ± standard deviation over seeds). The numbers in
/// docs/experiments.md come from this command.
enum ExperimentCommand {
  static let usage = """
    usage: vlp experiment SESSION [--seeds 1,2,3] [--steps N] [--variants a,b] [--set key=value ...]
                          [--threads N] [--json FILE]
      SESSION is a name under sessions/, a session folder's path or a path to a session.json.
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["seeds", "steps", "variants", "set", "threads", "json"],
      flagOptions: ["help"])
    if parsed.flags.contains("help") {
      print(usage)
      return
    }
    guard parsed.positionals.count == 1 else {
      throw CommandLineArguments.UsageError(description: "experiment needs one SESSION\n\(usage)")
    }
    let url = try SessionLocation.sessionFile(parsed.positionals[0])
    var definition = try SessionDefinition(contentsOf: url, overrides: parsed.repeated["set"] ?? [])
    if let names = parsed.options["variants"] {
      let wanted = names.split(separator: ",").map(String.init)
      for name in wanted where !definition.variants.contains(where: { $0.name == name }) {
        throw CommandLineArguments.UsageError(
          description: "no variant '\(name)' in \(url.path) (it has: "
            + definition.variants.map(\.name).joined(separator: ", ") + ")")
      }
      definition.variants = definition.variants.filter { wanted.contains($0.name) }
    }
    let seeds = try parsed.integers("seeds", default: [1]).map(UInt64.init)
    let steps = try parsed.options["steps"].map { _ in try parsed.integers("steps", default: [])[0] }
    let threads = try parsed.integers("threads", default: [ComputeSettings.threadCount])[0]
    let experiment = Experiment(definition: definition, seeds: seeds, steps: steps)
    let runs = try ComputeSettings.withThreadCount(threads) {
      try experiment.run { line in print(line) }
    }
    print("")
    print(ExperimentTable.render(Experiment.summarize(runs)))
    if let path = parsed.options["json"] {
      try ExperimentTable.json(runs, command: (["vlp", "experiment"] + arguments).joined(separator: " "))
        .write(to: URL(fileURLWithPath: path), atomically: true, encoding: .utf8)
      print("wrote \(path)")
    }
  }
}

/// The session.json a SESSION argument names: a file ending in .json as given, otherwise a
/// session name or folder path (SessionArgument).
enum SessionLocation {
  static func sessionFile(_ argument: String) throws -> URL {
    if argument.hasSuffix(".json") { return URL(fileURLWithPath: argument) }
    return try SessionArgument.named(argument).sessionFile
  }
}

enum ExperimentTable {
  static func render(_ summaries: [Experiment.Summary]) -> String {
    var metrics: [String] = []
    var variants: [String] = []
    for summary in summaries {
      if !metrics.contains(summary.metric) { metrics.append(summary.metric) }
      if !variants.contains(summary.variant) { variants.append(summary.variant) }
    }
    var lines = ["metric".padding(toLength: 18, withPad: " ", startingAt: 0)
      + variants.map { $0.padding(toLength: 18, withPad: " ", startingAt: 0) }.joined()]
    for metric in metrics {
      var line = metric.padding(toLength: 18, withPad: " ", startingAt: 0)
      for variant in variants {
        let cell = summaries.first { $0.metric == metric && $0.variant == variant }
          .map { String(format: "%.3f ± %.3f", $0.mean, $0.standardDeviation) } ?? "-"
        line += cell.padding(toLength: 18, withPad: " ", startingAt: 0)
      }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }

  static func json(_ runs: [Experiment.Run], command: String) throws -> String {
    struct Row: Encodable {
      var variant: String
      var seed: UInt64
      var steps: Int
      var seconds: Double
      var losses: [String: Float]
      var evaluation: EvaluationReport
    }
    struct Document: Encodable {
      var command: String
      var runs: [Row]
    }
    let document = Document(
      command: command,
      runs: runs.map {
        Row(
          variant: $0.variant, seed: $0.seed, steps: $0.steps, seconds: $0.seconds,
          losses: Dictionary(uniqueKeysWithValues: $0.finalLosses.map { ($0.name, $0.value) }),
          evaluation: $0.evaluation)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(document), as: UTF8.self)
  }
}
