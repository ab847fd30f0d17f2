import Foundation
import Tensor
import VLP

/// `vlp data export | inspect | world | show`: the scene world and the readers of real VLP data.
enum DataCommand {
  static let usage = """
    usage: vlp data export --format coco-json|oscar-tsv --out DIR [--tags fine|coarse|none] [--images] [--force]
                           [--seed N] [--pairs N] [--config WORLD.json]
           vlp data inspect PATH [--max-problems N] [--examples N]
           vlp data world [--seed N] [--pairs N] [--config WORLD.json] [--examples N]
    \(DataShowCommand.usage)
    """

  /// A run that found problems: they are printed first; this ends the program with status 1.
  struct ProblemsFound: Error, CustomStringConvertible {
    let path: String
    let count: Int
    var description: String {
      "\(path): \(count) problem\(count == 1 ? "" : "s") found (listed above)"
    }
  }

  static func run(_ arguments: [String]) throws {
    let worldOptions: Set<String> = ["seed", "pairs", "config"]
    switch arguments.first {
    case "export":
      let parsed = try CommandLineArguments(
        Array(arguments.dropFirst()), valueOptions: worldOptions.union(["format", "out", "tags"]),
        flagOptions: ["images", "force"])
      try noPositionals(parsed)
      guard let formatName = parsed.options["format"], let out = parsed.options["out"] else {
        throw CommandLineArguments.UsageError(
          description: "data export needs --format and --out\n\(usage)")
      }
      guard let format = DataFormat(rawValue: formatName) else {
        throw CommandLineArguments.UsageError(
          description: "--format expects coco-json or oscar-tsv, got '\(formatName)'")
      }
      let tagName = parsed.options["tags"] ?? "fine"
      guard let tags = TagVocabulary(rawValue: tagName) else {
        throw CommandLineArguments.UsageError(
          description: "--tags expects fine, coarse or none, got '\(tagName)'")
      }
      if parsed.flags.contains("images"), format != .cocoJSON {
        throw CommandLineArguments.UsageError(
          description:
            "--images goes with --format coco-json (Oscar data holds region features, not pixels)")
      }
      let world = try SceneWorld(configuration: try configuration(parsed))
      let written = try DataExporter.export(
        world, format: format, to: out, tags: tags, images: parsed.flags.contains("images"),
        imageFormat: .jpeg,
        overwrite: parsed.flags.contains("force"))
      print("wrote \(written.count) files to \(out) (\(world.count) pairs, \(format.rawValue))")
      print("check them with: vlp data inspect \(out)")
    case "inspect":
      let parsed = try CommandLineArguments(
        Array(arguments.dropFirst()), valueOptions: ["max-problems", "examples"], flagOptions: [])
      guard parsed.positionals.count == 1, let path = parsed.positionals.first else {
        throw CommandLineArguments.UsageError(description: "data inspect needs one PATH\n\(usage)")
      }
      let inspection = try DataInspector.inspect(
        path, maximumProblems: max(1, try count(parsed, "max-problems", default: 20)),
        exampleCount: try count(parsed, "examples", default: 3))
      print(inspection.report)
      if inspection.totalProblems > 0 {
        throw ProblemsFound(path: path, count: inspection.totalProblems)
      }
    case "world":
      let parsed = try CommandLineArguments(
        Array(arguments.dropFirst()), valueOptions: worldOptions.union(["examples"]),
        flagOptions: [])
      try noPositionals(parsed)
      let configuration = try configuration(parsed)
      let clock = ContinuousClock()
      let start = clock.now
      let world = try SceneWorld(configuration: configuration)
      let elapsed = clock.now - start
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      print(
        world.summary(
          examples: try count(parsed, "examples", default: 3), generationSeconds: seconds))
    case "show":
      try DataShowCommand.run(Array(arguments.dropFirst()))
    case nil, "help", "--help", "-h":
      print(usage)
    case let other?:
      throw CommandLineArguments.UsageError(
        description: "unknown data command '\(other)'\n\(usage)")
    }
  }

  /// The world's configuration: the defaults, then `--config FILE` (JSON, every key optional),
  /// then `--seed` and `--pairs`.
  private static func configuration(_ parsed: CommandLineArguments) throws
    -> SceneWorldConfiguration
  {
    var configuration = SceneWorldConfiguration.standard
    if let path = parsed.options["config"] {
      let data: Data
      do throws(UserFileError) {
        data = Data(try UserFile.read(path, limit: SessionDefinition.maximumFileBytes))
      } catch .missing {
        throw DataError.missingFile(
          path: path, hint: "--config expects a JSON file of world settings")
      } catch {
        throw CommandLineArguments.UsageError(description: "\(error)")
      }
      do {
        configuration = try SceneWorldConfiguration.decode(data, file: path)
      } catch let error as DataError {
        throw CommandLineArguments.UsageError(description: "\(error)")
      } catch {
        throw CommandLineArguments.UsageError(
          description: "\(path): not a JSON object of world settings (\(error))")
      }
    }
    if let seed = parsed.options["seed"] {
      guard let value = UInt64(seed) else {
        throw CommandLineArguments.UsageError(
          description: "--seed expects a non-negative integer, got '\(seed)'")
      }
      configuration.seed = value
    }
    if let pairs = parsed.options["pairs"] {
      guard let value = Int(pairs), value > 0 else {
        throw CommandLineArguments.UsageError(
          description: "--pairs expects a positive number of pairs, got '\(pairs)'")
      }
      configuration.pairCount = value
    }
    try configuration.validate()
    return configuration
  }

  private static func count(_ parsed: CommandLineArguments, _ name: String, default fallback: Int)
    throws -> Int
  {
    guard let text = parsed.options[name] else { return fallback }
    guard let value = Int(text), value >= 0 else {
      throw CommandLineArguments.UsageError(
        description: "--\(name) expects a count (0 or more), got '\(text)'")
    }
    return value
  }

  private static func noPositionals(_ parsed: CommandLineArguments) throws {
    if let extra = parsed.positionals.first {
      throw CommandLineArguments.UsageError(description: "unexpected argument '\(extra)'\n\(usage)")
    }
  }
}
