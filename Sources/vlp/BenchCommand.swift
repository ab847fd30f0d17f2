import Benchmarks
import Engine
import Foundation
import TSNE
import Tensor
import VLP

/// `vlp bench gemm`: GFLOP/s of the GEMM kernel, as a table or JSON, optionally beside numpy's.
enum BenchCommand {
  static let usage = """
    usage: vlp bench all [--threads 1,2] [--json]
           vlp bench step [SESSION] [--threads 1,2] [--steps 20] [--json]
           vlp bench step --from RESULTS.json --compare TORCH.json
           vlp bench layer [--threads 1,2] [--cross] [--json]
           vlp bench gemm [--sizes 256,512,1024] [--threads 1,2] [--seconds S] [--json]
           vlp bench gemm --from RESULTS.json [--compare NUMPY.json[,NUMPY2.json]]
           vlp bench gemm --shapes bench-small [--threads 1,2] [--seconds S] [--json]
           vlp bench tui [--seconds 15] [--frames 100]
           vlp bench tsne [--points 5000] [--dimensions 128] [--threads 1,2] [--json] [--save-data F.npy]
      tui         ms to draw each screen at 160x48; default's steps/s headless vs with the UI
      all         every benchmark below with its defaults (about a minute on 2 cores)
      step        ms per full training step of SESSION's first variant (default: bench-small;
                  a name under sessions/ or a session folder's path),
                  with its parameter count and the process's peak resident memory
      --json      print machine-readable results (with --compare: numpy's figures and the ratios)
      --from      print a table from saved --json results instead of measuring
      --compare   numpy results from Tests/Bench/numpy_gemm.py: adds numpy's GFLOP/s and our ratio;
                  for step, Tests/Bench/torch_bench_step.py --json: PyTorch eager beside ours
      --shapes    the products of a bench-small training step at their own shapes, with GEMM ms
                  per step (Tests/Bench/torch_gemm_shapes.py times them with torch from --json)
    """

  static func run(_ arguments: [String]) throws {
    if ["gemm", "layer", "step", "tsne", "all", "tui"].contains(arguments.first) {
      announceCPULevel(arguments)
    }
    switch arguments.first {
    case "gemm": try gemm(Array(arguments.dropFirst()))
    case "layer": try layer(Array(arguments.dropFirst()))
    case "step": try step(Array(arguments.dropFirst()))
    case "tsne": try TSNECommand.bench(Array(arguments.dropFirst()))
    case "all": try all(Array(arguments.dropFirst()))
    case "tui": try tui(Array(arguments.dropFirst()))
    default:
      throw CommandLineArguments.UsageError(
        description: "bench: unknown benchmark '\(arguments.first ?? "")' (available: all, gemm, layer, step, tsne, tui)")
    }
  }

  /// Which CPU level the measured binary was built for: a line before the tables, or on
  /// standard error beside JSON (which stays parseable); none for `--from`, which measures nothing.
  private static func announceCPULevel(_ arguments: [String]) {
    guard !arguments.contains("--from") else { return }
    let line = "vlp built for \(CompiledCPU.description)\n"
    if arguments.contains("--json") {
      FileHandle.standardError.write(Data(line.utf8))
    } else {
      print(line, terminator: "")
    }
  }

  /// Every benchmark with its defaults, as tables or one JSON object.
  static func all(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(arguments, valueOptions: ["threads"], flagOptions: ["json"])
    guard parsed.positionals.isEmpty else {
      throw CommandLineArguments.UsageError(description: "bench all takes no SESSION (bench step does)")
    }
    let threads = try parsed.integers("threads", default: [1, 2])
    let definition = try SessionFolder.existing("bench-small").definition()
    struct Results: Encodable {
      var step: [StepBenchmarkResult]
      var layer: [LayerBenchmarkResult]
      var crossLayer: [LayerBenchmarkResult]
      var gemm: [GEMMBenchmarkResult]
      var tsne: [TSNEBenchmarkResult]
    }
    let tsneData = TSNEBenchmark.data(points: 5000, dimensions: 128)
    let configuration = definition.variants[0].configuration
    let stepData = try StepBenchmarkData(configuration: configuration)
    let results = Results(
      step: try threads.enumerated().map {
        try StepBenchmark.run(
          session: "bench-small", configuration: configuration, data: stepData,
          threads: $0.element, firstRun: $0.offset == 0)
      },
      layer: try threads.map { try LayerBenchmark.run(crossAttention: false, threads: $0, minimumSeconds: 1) },
      crossLayer: try threads.map { try LayerBenchmark.run(crossAttention: true, threads: $0, minimumSeconds: 1) },
      gemm: GEMMBenchmark.run(sizes: [256, 512, 1024], threads: threads, minimumSeconds: 0.5),
      tsne: try threads.map { try TSNEBenchmark.run(data: tsneData, threads: $0, options: TSNEOptions()) })
    if parsed.flags.contains("json") {
      print(try json(results))
    } else {
      print([
        StepBenchmark.table(results.step), LayerBenchmark.table(results.layer),
        LayerBenchmark.table(results.crossLayer), GEMMBenchmark.table(results.gemm),
        TSNEBenchmark.table(results.tsne),
      ].joined(separator: "\n\n"))
    }
  }

  /// Draw time per screen, and the default session's training speed with and without drawing.
  static func tui(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(arguments, valueOptions: ["seconds", "frames"], flagOptions: [])
    try TUIBenchmark.run(
      folder: try SessionArgument.named("default"),
      seconds: Double(try parsed.integers("seconds", default: [15])[0]),
      frames: try parsed.integers("frames", default: [100])[0])
  }

  /// One Transformer layer's forward + backward at our model sizes (docs/benchmarks.md).
  static func layer(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["threads", "seconds"], flagOptions: ["json", "cross"])
    let seconds = Double(parsed.options["seconds"] ?? "1") ?? 1
    var results: [LayerBenchmarkResult] = []
    for threads in try parsed.integers("threads", default: [ComputeSettings.threadCount]) {
      results.append(try LayerBenchmark.run(
        crossAttention: parsed.flags.contains("cross"), threads: threads, minimumSeconds: seconds))
    }
    if parsed.flags.contains("json") {
      print(try json(results))
    } else {
      print(LayerBenchmark.table(results))
    }
  }

  /// A full training step of a session's model (bench-small: the issue's benchmark model).
  static func step(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["threads", "steps", "from", "compare"], flagOptions: ["json"])
    guard parsed.positionals.count <= 1 else {
      throw CommandLineArguments.UsageError(description: "bench step takes at most one SESSION")
    }
    var results: [StepBenchmarkResult] = []
    if let path = parsed.options["from"] {
      results = try decode([StepBenchmarkResult].self, from: path)
    } else {
      let name = parsed.positionals.first ?? "bench-small"
      let definition = try SessionDefinition(contentsOf: SessionLocation.sessionFile(name))
      let steps = try parsed.integers("steps", default: [20])[0]
      let threadCounts = try parsed.integers("threads", default: [1, 2])
      let configuration = definition.variants[0].configuration
      let data = try StepBenchmarkData(configuration: configuration)
      for (position, threads) in threadCounts.enumerated() {
        results.append(
          try StepBenchmark.run(
            session: name, configuration: configuration, data: data, threads: threads,
            steps: steps, firstRun: position == 0))
      }
    }
    if let path = parsed.options["compare"] {
      let torch = try decode([TorchStepResult].self, from: path)
      print(StepBenchmark.comparisonTable(results, torch: torch))
      return
    }
    print(parsed.flags.contains("json") ? try json(results) : StepBenchmark.table(results))
  }

  static func gemm(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["sizes", "threads", "seconds", "from", "compare", "shapes"],
      flagOptions: ["json"])
    if let set = parsed.options["shapes"] {
      guard set == "bench-small" else {
        throw CommandLineArguments.UsageError(
          description: "bench gemm --shapes: unknown shape set '\(set)' (available: bench-small)")
      }
      let results = GEMMBenchmark.runShapes(
        StepGEMMShapes.benchSmall,
        threads: try parsed.integers("threads", default: [ComputeSettings.threadCount]),
        minimumSeconds: Double(parsed.options["seconds"] ?? "0.2") ?? 0.2)
      print(parsed.flags.contains("json") ? try json(results) : GEMMBenchmark.shapesTable(results))
      return
    }
    let results: [GEMMBenchmarkResult]
    if let path = parsed.options["from"] {
      results = try decode([GEMMBenchmarkResult].self, from: path)
    } else {
      let seconds = Double(parsed.options["seconds"] ?? "0.5") ?? 0.5
      results = GEMMBenchmark.run(
        sizes: try parsed.integers("sizes", default: [256, 512, 1024]),
        threads: try parsed.integers("threads", default: [ComputeSettings.threadCount]),
        minimumSeconds: seconds)
    }
    guard let compare = parsed.options["compare"] else {
      print(parsed.flags.contains("json") ? try json(results) : GEMMBenchmark.table(results))
      return
    }
    var reference: [GEMMReferenceResult] = []
    for path in compare.split(separator: ",") {
      reference += try decode(GEMMReferenceRun.self, from: String(path)).results
    }
    if parsed.flags.contains("json") {
      print(try json(GEMMBenchmark.comparison(results, reference: reference)))
    } else {
      print(GEMMBenchmark.comparisonTable(results, reference: reference))
    }
  }

  private static func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  private static func decode<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CommandLineArguments.UsageError(description: "cannot read \(path)")
    }
    do {
      return try JSONDecoder().decode(T.self, from: data)
    } catch {
      throw CommandLineArguments.UsageError(description: "\(path): not a benchmark result file (\(error))")
    }
  }
}
