import Foundation
import Tensor
import VLP

/// `vlp tsne`: a 2-D t-SNE map of a matrix of points, as CSV or SVG; and `vlp bench tsne`.
enum TSNECommand {
  static let usage = """
    usage: vlp tsne --input FILE.npy|FILE.csv --out FILE.csv|FILE.svg [--labels FILE]
                    [--perplexity 30] [--iterations 1000] [--method exact|barnes-hut|auto]
                    [--theta 0.5] [--seed S] [--threads N] [--quiet]
      --input    points x dimensions: a 2-D .npy (float32/float64) or CSV (optional header row)
      --labels   one label per point (.npy, or text with one label per line): colours the SVG
                 and adds a label column to the CSV
      --method   exact for up to 1,000 points and Barnes-Hut above when auto (the default)
      --quiet    no progress lines on standard error
    """

  static let benchUsage = """
    usage: vlp bench tsne [--points 5000] [--dimensions 128] [--iterations 1000] [--perplexity 30]
                          [--threads 1,2] [--method auto|exact|barnes-hut] [--json]
                          [--save-data FILE.npy]
      --save-data  also write the benchmark's input as .npy
                   (for Tests/Fixtures/tsne_reference.py --bench)
    """

  /// Bad usage ends the program with status 64 and the usage text; bad input with status 2.
  static func run(_ arguments: [String]) throws {
    do {
      try tsne(arguments)
    } catch let error as CommandLineArguments.UsageError {
      exitWithUsage(error, usage)
    }
  }

  static func bench(_ arguments: [String]) throws {
    do {
      try benchmark(arguments)
    } catch let error as CommandLineArguments.UsageError {
      exitWithUsage(error, benchUsage)
    }
  }

  private static func exitWithUsage(_ error: CommandLineArguments.UsageError, _ usage: String)
    -> Never
  {
    FileHandle.standardError.write(Data("vlp: \(error)\n\(usage)\n".utf8))
    exit(64)
  }

  private static func tsne(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments,
      valueOptions: [
        "input", "labels", "perplexity", "iterations", "method", "theta", "seed", "threads", "out",
      ],
      flagOptions: ["quiet"])
    guard parsed.positionals.isEmpty else {
      throw CommandLineArguments.UsageError(
        description: "tsne takes no positional arguments, got '\(parsed.positionals[0])'")
    }
    guard let input = parsed.options["input"], let out = parsed.options["out"] else {
      throw CommandLineArguments.UsageError(description: "tsne needs --input and --out")
    }
    let lowered = out.lowercased()
    guard lowered.hasSuffix(".csv") || lowered.hasSuffix(".svg") else {
      throw CommandLineArguments.UsageError(
        description: "--out must end in .csv or .svg, got '\(out)'")
    }
    let options = try self.options(parsed)
    if let threads = parsed.options["threads"] {
      guard let count = Int(threads), count > 0 else {
        throw CommandLineArguments.UsageError(
          description: "--threads expects a positive integer, got '\(threads)'")
      }
      ComputeSettings.threadCount = count
    }
    let matrix = try MatrixFile.read(path: input)
    var labels: [String]?
    if let path = parsed.options["labels"] {
      let read = try MatrixFile.readLabels(path: path)
      guard read.count == matrix.rows else {
        throw TSNEError.unreadableFile(
          path: path, reason: "\(read.count) labels for \(matrix.rows) points in \(input)")
      }
      labels = read
    }
    let quiet = parsed.flags.contains("quiet")
    let start = Date()
    var tsne = try TSNE(
      data: matrix.values, count: matrix.rows, dimensions: matrix.columns, options: options)
    if !quiet {
      progress(
        "\(matrix.rows) points x \(matrix.columns) dimensions, \(tsne.method.rawValue), "
          + String(format: "affinities in %.2f s", Date().timeIntervalSince(start)))
    }
    while !tsne.isFinished {
      tsne.step(iterations: options.checkInterval)
      if !quiet, let kl = tsne.klDivergence {
        progress(
          "iteration \(tsne.iteration)/\(options.iterations)  KL \(String(format: "%.4f", kl))"
            + (tsne.isExaggerating ? "  (early exaggeration)" : ""))
      }
    }
    let text =
      lowered.hasSuffix(".svg")
      ? EmbeddingPlot.svg(
        embedding: tsne.embedding, labels: labels,
        title: "t-SNE of \((input as NSString).lastPathComponent), perplexity \(options.perplexity)"
      )
      : EmbeddingPlot.csv(embedding: tsne.embedding, labels: labels)
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: out))
    } catch {
      throw TSNEError.unreadableFile(
        path: out, reason: "cannot write the file (\(error.localizedDescription))")
    }
    var summary = "wrote \(out): \(matrix.rows) points, \(tsne.iteration) iterations"
    if let kl = tsne.klDivergence { summary += String(format: ", KL %.4f", kl) }
    // Trustworthiness needs every input distance: reported where that stays quick.
    if matrix.rows <= 20_000, matrix.rows > 20 {
      let trust = try Trustworthiness.score(
        original: matrix.values, dimensions: matrix.columns, embedding: tsne.embedding)
      summary += String(format: ", trustworthiness(10) %.4f", trust)
    }
    summary += String(format: " (%.1f s)", Date().timeIntervalSince(start))
    print(summary)
  }

  private static func progress(_ line: String) {
    FileHandle.standardError.write(Data("tsne: \(line)\n".utf8))
  }

  private static func options(_ parsed: CommandLineArguments) throws -> TSNEOptions {
    var options = TSNEOptions()
    func number(_ name: String) throws -> Double? {
      guard let text = parsed.options[name] else { return nil }
      guard let value = Double(text), value.isFinite else {
        throw CommandLineArguments.UsageError(
          description: "--\(name) expects a number, got '\(text)'")
      }
      return value
    }
    func integer(_ name: String) throws -> Int? {
      guard let text = parsed.options[name] else { return nil }
      guard let value = Int(text), value >= 0 else {
        throw CommandLineArguments.UsageError(
          description: "--\(name) expects a non-negative integer, got '\(text)'")
      }
      return value
    }
    if let value = try number("perplexity") { options.perplexity = value }
    if let value = try number("theta") { options.theta = value }
    if let value = try integer("iterations") { options.iterations = value }
    if let value = try integer("seed") { options.seed = UInt64(value) }
    if let name = parsed.options["method"] {
      guard let method = TSNEOptions.Method(rawValue: name) else {
        throw CommandLineArguments.UsageError(
          description: "--method expects exact, barnes-hut or auto, got '\(name)'")
      }
      options.method = method
    }
    return options
  }

  private static func benchmark(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments,
      valueOptions: [
        "points", "dimensions", "iterations", "perplexity", "threads", "method", "save-data",
      ],
      flagOptions: ["json"])
    let points = try parsed.integers("points", default: [5000])[0]
    let dimensions = try parsed.integers("dimensions", default: [128])[0]
    var options = try self.options(parsed)
    options.iterations = try parsed.integers("iterations", default: [1000])[0]
    let data = TSNEBenchmark.data(points: points, dimensions: dimensions)
    if let path = parsed.options["save-data"] {
      try NumpyFile.encode(shape: [points, dimensions], values: data.data)
        .write(to: URL(fileURLWithPath: path))
    }
    var results: [TSNEBenchmarkResult] = []
    for threads in try parsed.integers("threads", default: [1, 2]) {
      results.append(try TSNEBenchmark.run(data: data, threads: threads, options: options))
    }
    if parsed.flags.contains("json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(results), as: UTF8.self))
    } else {
      print(TSNEBenchmark.table(results))
    }
  }
}
