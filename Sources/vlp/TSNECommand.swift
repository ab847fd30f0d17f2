import Benchmarks
import Engine
import Foundation
import NN
import TSNE
import Tensor
import VLP

/// `vlp tsne`: a 2-D t-SNE map of a matrix of points, as CSV or SVG; and `vlp bench tsne`.
enum TSNECommand {
  static let usage = """
    usage: vlp tsne --input FILE.npy|FILE.csv --out FILE.csv|FILE.svg [--labels FILE]
                    [--perplexity 30] [--iterations 1000] [--method exact|barnes-hut|fft|auto]
                    [--neighbours exact|approximate|auto] [--theta 0.5]
                    [--exaggeration 1] [--early-exaggeration 12] [--learning-rate auto]
                    [--max-step 5|none] [--init pca|random|FILE.npy] [--seed S] [--threads N]
                    [--quiet]
           vlp tsne SESSION --features tokens|cls --out FILE.csv|FILE.svg
                    [--pairs 100 | --points N] [--variant NAME] [--checkpoint FILE]
                    [the t-SNE options above]
      SESSION    a name under sessions/ or a session folder's path: its latest checkpoint's
                 learned features of the first --pairs clean held-out pairs; tokens = object
                 regions/patches and words (coloured by object class, words hollow: Oscar's
                 Fig. 4), cls = one embedding per image and caption. With several variants,
                 one file per variant (FILE-VARIANT.svg) unless --variant picks one.
      --points   N points instead of --pairs: pairs are read held-out first, then validation,
                 the other test pairs and the training pairs, until N points (50,000 and more:
                 the approximate neighbours and Barnes-Hut/FFT are chosen by size); fewer when
                 the data has fewer, with a notice
      --input    points x dimensions: a 2-D .npy (float32/float64) or CSV (optional header row)
      --labels   one label per point (.npy, or text with one label per line): colours the SVG
                 and adds a label column to the CSV
      --method   auto (the default): exact up to 1,000 points; above, at each iteration the
                 cheaper of Barnes-Hut and FFT-interpolated repulsion (FIt-SNE) for the map's
                 size (the FFT while a large map is compact); fft: FFT wherever its grid
                 covers the map, Barnes-Hut beyond
      --neighbours  auto (the default): exact search below 40,000 points, approximate
                 (NN-descent, seeded by --seed) from there
      --exaggeration  P x this after the early-exaggeration phase (2-4 for large sets)
      --max-step  the longest step a point takes in one iteration (openTSNE's max_step_norm):
                 keeps a few points from shooting off the map early; none: no limit
      --init     pca (default), random (from --seed), or a points x 2 .npy used as given
      --quiet    no progress lines on standard error (otherwise: the preparation's step and
                 share done, then the phase, the iteration and the time left, every 50
                 iterations)
      Memory: the input as read (from 40,000 points no centred copy is made) plus, at
      perplexity 30, about 1.2 KB per point during the approximate neighbour search (its
      peak) and about half a KB per point of P afterwards (each pair stored once); above
      20,000 points the input is released once P is built, and the optimisation adds about
      250 bytes per point and the FFT's grids (at most about 80 MB), and above 65,536 points a
      second copy of P while it is put in the map's order (twice a run): 1,000,000 x 128 stays within 2 GB (measured peak:
      docs/benchmarks.md, "t-SNE at scale").
      With SESSION, the model besides, and the features: points x the model's width in
      float32 (50,000 x 256: 51 MB); 50,000 points stay well under 1 GB in all.
    """

  static let benchUsage = """
    usage: vlp bench tsne [--points 5000] [--dimensions 128] [--iterations 1000] [--perplexity 30]
                          [--threads 1,2] [--method auto|exact|barnes-hut|fft]
                          [--neighbours auto|exact|approximate] [--json] [--save-data FILE.npy]
                          [--recall] [--search-only] [--phases]
                          [--gradient-only [--extent 100] [--repulsion-only]]
      --save-embedding  also write the (last thread count's) embedding as .npy
                   (for Tests/Bench/tsne_opentsne.py --ours)
      --nn-trees, --nn-candidates, --nn-rounds  the approximate search's settings
                   (docs/projection.md)
      --nn-leaf, --nn-delta  its leaf size and its stop (a round changing fewer than
                   delta x N x k entries is the last)
      --nn-refine M  after the rounds, offer each list the M nearest of its M nearest
                   entries' lists (0: no refinement)
      --nn-join-order leaf|index  the order in which the joins visit the points
      --recall-sample Q  the approximate search's recall on Q evenly spaced points only
                   (their exact neighbours by a scan: quick where --recall takes minutes)
      --search-only  time the approximate neighbour search alone and print what it did
                   (trees, start and rounds CPU seconds, entries changed per round)
      --recall     time the exact and the approximate neighbour search at k = 3 x perplexity + 1
                   and print the approximate one's recall
      --gradient-only  time the gradient alone (--iterations evaluations) on a synthetic map
                   about --extent wide (comma-separated values allowed), Barnes-Hut and FFT
                   unless --method is given: no neighbour search, so a million points is quick
      --repulsion-only  with --gradient-only: the repulsion and Z alone (no P, no attraction),
                   the part in which Barnes-Hut and the FFT differ
      --save-data  also write the benchmark's input as .npy
                   (for Tests/Fixtures/tsne_reference.py --bench)
      --phases     print each preparation step's wall and CPU seconds and peak memory (stderr;
                   resets VmHWM, so /usr/bin/time then under-reports the peak), then every
                   50 iterations their wall and CPU time, FFT evaluations and the map's extent
      --iterations 1  the preparation and one iteration (to time the preparation alone)
    """

  /// Bad usage ends the program with status 2 and the usage text; bad input with status 1.
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
    exit(ExitStatus.usage)
  }

  private static func tsne(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments,
      valueOptions: [
        "input", "labels", "perplexity", "iterations", "method", "theta", "seed", "threads", "out",
        "features", "pairs", "variant", "checkpoint", "neighbours", "exaggeration",
        "early-exaggeration", "learning-rate", "init", "points", "max-step",
      ],
      flagOptions: ["quiet"])
    guard parsed.positionals.isEmpty else {
      try sessionProjection(parsed)
      return
    }
    for name in ["features", "pairs", "points", "variant", "checkpoint"] where parsed.options[name] != nil {
      throw CommandLineArguments.UsageError(description: "--\(name) needs a SESSION")
    }
    guard let input = parsed.options["input"], let out = parsed.options["out"] else {
      throw CommandLineArguments.UsageError(description: "tsne needs --input and --out")
    }
    try checkOutput(out)
    var options = try self.options(parsed)
    let threads = try threadCount(parsed)
    // Only the values are kept (not the file's whole reading), so that `project` can release
    // them once the affinities are built.
    let (matrixValues, rows, columns) = try {
      let matrix = try MatrixFile.read(path: input)
      return (matrix.values, matrix.rows, matrix.columns)
    }()
    // Held in an optional that `project`'s call empties (`take()`): a plain binding captured
    // by the closure below would keep the values alive through the whole run.
    var values: [Float]? = consume matrixValues
    try readInitialEmbedding(parsed, points: rows, into: &options)
    var labels: [String]?
    if let path = parsed.options["labels"] {
      let read = try MatrixFile.readLabels(path: path)
      guard read.count == rows else {
        throw TSNEError.unreadableFile(
          path: path, reason: "\(read.count) labels for \(rows) points in \(input)")
      }
      labels = read
    }
    do {
      try ComputeSettings.withThreadCount(threads) {
        try project(
          values: values.take()!, rows: rows, columns: columns, labels: labels,
          markers: nil, title: "t-SNE of \((input as NSString).lastPathComponent), perplexity \(options.perplexity)",
          out: out, options: options, quiet: parsed.flags.contains("quiet"))
      }
    } catch let error as TSNEError {
      // What is wrong with the points (too few, a NaN) names the file they came from.
      switch error {
      case .unreadableFile: throw error
      case .invalidOption(name: "initialEmbedding", _):
        throw TSNEError.unreadableFile(path: parsed.options["init"] ?? "--init", reason: "\(error)")
      default: throw TSNEError.unreadableFile(path: input, reason: "\(error)")
      }
    }
  }

  /// `vlp tsne SESSION --features ...`: learned features of held-out pairs.
  private static func sessionProjection(_ parsed: CommandLineArguments) throws {
    let folder = try SessionArgument.folder(parsed, command: "tsne")
    guard let out = parsed.options["out"] else {
      throw CommandLineArguments.UsageError(description: "tsne SESSION needs --out FILE.csv or FILE.svg")
    }
    try checkOutput(out)
    let kindName = parsed.options["features"] ?? "tokens"
    guard let kind = FeatureKind(rawValue: kindName) else {
      throw CommandLineArguments.UsageError(description: "--features expects tokens or cls, got '\(kindName)'")
    }
    for name in ["input", "labels"] where parsed.options[name] != nil {
      throw CommandLineArguments.UsageError(description: "--\(name) and SESSION exclude each other")
    }
    let options = try self.options(parsed)
    let threads = try threadCount(parsed)
    if parsed.options["pairs"] != nil, parsed.options["points"] != nil {
      throw CommandLineArguments.UsageError(description: "--pairs and --points exclude each other")
    }
    let size: ProjectionSize =
      parsed.options["points"] != nil
      ? .points(try parsed.integers("points", default: [])[0])
      : .pairs(try parsed.integers("pairs", default: [100])[0])
    let quiet = parsed.flags.contains("quiet")
    let weights = try SessionWeights(
      folder: folder, checkpoint: parsed.options["checkpoint"].map { URL(fileURLWithPath: $0) })
    var variants = weights.variants
    if let name = parsed.options["variant"] {
      variants = variants.filter { $0.name == name }
      guard !variants.isEmpty else {
        throw CommandLineArguments.UsageError(
          description: "no variant '\(name)' (available: \(weights.variants.map(\.name).joined(separator: ", ")))")
      }
    }
    try ComputeSettings.withThreadCount(threads) {
      for variant in variants {
        let start = Date()
        var lastLine = start
        let read = try variant.trainer.projectionFeatures(kind, size: size) { done in
          // About one line a second, and the last.
          guard !quiet, case .points(let total) = size,
            Date().timeIntervalSince(lastLine) >= 1 || done >= total
          else { return }
          lastLine = Date()
          progress(
            ProjectionProgress(
              phase: .features, variant: variant.name, done: done, total: total,
              elapsed: Date().timeIntervalSince(start)))
        }
        if read.isShort, case .points(let asked) = size {
          progress(
            "note: \(folder.name) has \(read.features.labels.count) \(kind.rawValue) points in all"
              + " (\(read.pairs.count) pairs), fewer than --points \(asked): all of them are mapped")
        }
        let features = read.features
        var variantOptions = options.fitted(toPoints: features.labels.count)
        try readInitialEmbedding(parsed, points: features.labels.count, into: &variantOptions)
        let path = variants.count > 1 ? suffixed(out, variant.name) : out
        try project(
          values: features.values, rows: features.labels.count, columns: features.dimension,
          labels: features.labels.map(\.className),
          markers: features.labels.map { label in
            switch label.modality {
            case .text: kind == .tokens ? "word" : "caption"
            case .image: kind == .tokens ? "region/patch" : "image"
            case .pair: "pair"
            }
          },
          title: "\(folder.name) [\(variant.name)] step \(variant.trainer.step): \(kind.rawValue) features",
          out: path, options: variantOptions, quiet: quiet)
      }
    }
  }

  /// `--threads N` for this command's run, or the process default.
  private static func threadCount(_ parsed: CommandLineArguments) throws -> Int {
    guard parsed.options["threads"] != nil else { return ComputeSettings.threadCount }
    return try parsed.integers("threads", default: [])[0]
  }

  static func checkOutput(_ out: String) throws {
    let lowered = out.lowercased()
    guard lowered.hasSuffix(".csv") || lowered.hasSuffix(".svg") else {
      throw CommandLineArguments.UsageError(description: "--out must end in .csv or .svg, got '\(out)'")
    }
  }

  /// `out.svg` -> `out-NAME.svg`.
  static func suffixed(_ path: String, _ name: String) -> String {
    let url = URL(fileURLWithPath: path)
    let ext = url.pathExtension
    return String(path.dropLast(ext.count + 1)) + "-\(name).\(ext)"
  }

  private static func project(
    values: consuming [Float], rows: Int, columns: Int, labels: [String]?, markers: [String]?,
    title: String, out: String, options: TSNEOptions, quiet: Bool
  ) throws {
    let lowered = out.lowercased()
    let start = Date()
    if !quiet {
      progress(
        "\(grouped(rows)) points x \(columns) dimensions: affinities"
          + " (neighbour search, perplexity calibration)")
    }
    var tsne = try TSNE(
      data: copy values, count: rows, dimensions: columns, options: options,
      monitor: quiet ? .none : TSNEPreparationLine().monitor)
    // The input is needed again only for the exact trustworthiness (20,000 points at most);
    // larger inputs are released here instead of staying beside P during the optimisation
    // (512 MB at a million points x 128, a quarter of the 2 GB the run is meant to fit in).
    let trustInput: [Float] = rows <= 20_000 ? copy values : []
    _ = consume values
    if !quiet {
      progress(
        "\(tsne.method.rawValue), "
          + String(format: "affinities in %.2f s", Date().timeIntervalSince(start)))
    }
    let optimisationStart = Date()
    while !tsne.isFinished {
      tsne.step(iterations: options.checkInterval)
      if !quiet {
        let done = tsne.isFinished ? options.iterations : tsne.iteration
        let elapsed = Date().timeIntervalSince(optimisationStart)
        let state = ProjectionProgress(
          phase: tsne.isExaggerating ? .exaggerating : .optimising, done: done,
          total: options.iterations, elapsed: elapsed,
          secondsLeft: ProjectionProgress.secondsLeft(
            done: done, total: options.iterations, seconds: elapsed))
        progress(state.summary + (tsne.klDivergence.map { String(format: " · KL %.4f", $0) } ?? ""))
      }
    }
    let text =
      lowered.hasSuffix(".svg")
      ? EmbeddingPlot.svg(
        embedding: tsne.embedding, labels: labels, title: title, markers: markers,
        hollowMarker: markers?.contains("caption") == true ? "caption" : "word")
      : EmbeddingPlot.csv(
        embedding: tsne.embedding,
        labels: labels.map { labels in markers.map { zip(labels, $0).map { "\($0) (\($1))" } } ?? labels })
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: out))
    } catch {
      throw TSNEError.unreadableFile(
        path: out, reason: "cannot write the file (\(systemErrorText(of: error)))")
    }
    var summary = "wrote \(out): \(rows) points, \(tsne.iteration) iterations"
    if let kl = tsne.klDivergence { summary += String(format: ", KL %.4f", kl) }
    // Trustworthiness needs every input distance: reported where that stays quick.
    if rows <= 20_000, rows > 20 {
      let trust = try Trustworthiness.score(
        original: trustInput, dimensions: columns, embedding: tsne.embedding)
      summary += String(format: ", trustworthiness(10) %.4f", trust)
    }
    summary += String(format: " (%.1f s)", Date().timeIntervalSince(start))
    print(summary)
  }

  private static func progress(_ line: String) {
    FileHandle.standardError.write(Data("tsne: \(line)\n".utf8))
  }

  private static func progress(_ state: ProjectionProgress) { progress(state.summary) }

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
    if let value = try number("exaggeration") { options.exaggeration = value }
    if let value = try number("early-exaggeration") { options.earlyExaggeration = value }
    if let text = parsed.options["learning-rate"], text != "auto" {
      options.learningRate = try number("learning-rate")
    }
    if let text = parsed.options["max-step"] {
      options.maximumStepNorm = text == "none" ? nil : try number("max-step")
    }
    if let name = parsed.options["neighbours"] {
      guard let search = TSNEOptions.NeighbourSearch(rawValue: name) else {
        throw CommandLineArguments.UsageError(
          description: "--neighbours expects exact, approximate or auto, got '\(name)'")
      }
      options.neighbourSearch = search
    }
    if let name = parsed.options["init"], let initialization = TSNEOptions.Initialization(rawValue: name) {
      options.initialization = initialization
    }
    if let value = try number("theta") { options.theta = value }
    if let value = try integer("iterations") { options.iterations = value }
    if let value = try integer("seed") { options.seed = UInt64(value) }
    if let name = parsed.options["method"] {
      guard let method = TSNEOptions.Method(rawValue: name) else {
        throw CommandLineArguments.UsageError(
          description: "--method expects exact, barnes-hut, fft or auto, got '\(name)'")
      }
      options.method = method
    }
    return options
  }

  /// `--init FILE.npy`: a points x 2 starting embedding (pca and random are options).
  private static func readInitialEmbedding(
    _ parsed: CommandLineArguments, points: Int, into options: inout TSNEOptions
  ) throws {
    guard let path = parsed.options["init"], TSNEOptions.Initialization(rawValue: path) == nil
    else { return }
    let matrix = try NumpyFile.readMatrix(path: path)
    guard matrix.columns == 2, matrix.rows == points else {
      throw TSNEError.unreadableFile(
        path: path,
        reason: "--init needs \(points) rows x 2 columns (one 2-D point per input point),"
          + " got \(matrix.rows) x \(matrix.columns)")
    }
    options.initialEmbedding = matrix.values
  }

  private static func benchmark(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments,
      valueOptions: [
        "points", "dimensions", "iterations", "perplexity", "threads", "method", "save-data",
        "neighbours", "exaggeration", "early-exaggeration", "learning-rate", "save-embedding",
        "max-step",
        "nn-trees", "nn-candidates", "nn-rounds", "extent", "nn-leaf", "nn-delta", "recall-sample",
        "nn-refine", "nn-join-order",
      ],
      flagOptions: ["json", "recall", "phases", "gradient-only", "repulsion-only", "search-only"])
    let points = try parsed.integers("points", default: [5000])[0]
    let dimensions = try parsed.integers("dimensions", default: [128])[0]
    var options = try self.options(parsed)
    options.iterations = try parsed.integers("iterations", default: [1000])[0]
    if parsed.options["nn-trees"] != nil {
      options.neighbourDescent.trees = try parsed.integers("nn-trees", default: [])[0]
    }
    if parsed.options["nn-candidates"] != nil {
      options.neighbourDescent.maximumCandidates = try parsed.integers("nn-candidates", default: [])[0]
    }
    options.neighbourDescent.maximumRounds = try parsed.integers(
      "nn-rounds", default: [options.neighbourDescent.maximumRounds])[0]
    if parsed.options["nn-leaf"] != nil {
      options.neighbourDescent.leafSize = try parsed.integers("nn-leaf", default: [])[0]
    }
    if let refine = parsed.options["nn-refine"] {
      guard let value = Int(refine), value >= 0 else {
        throw CommandLineArguments.UsageError(
          description: "--nn-refine expects an integer >= 0, got '\(refine)'")
      }
      options.neighbourDescent.refinement = value
    }
    if let order = parsed.options["nn-join-order"] {
      guard order == "leaf" || order == "index" else {
        throw CommandLineArguments.UsageError(
          description: "--nn-join-order expects leaf or index, got '\(order)'")
      }
      options.neighbourDescent.joinsInLeafOrder = order == "leaf"
    }
    if let delta = parsed.options["nn-delta"] {
      guard let value = Double(delta), value >= 0, value.isFinite else {
        throw CommandLineArguments.UsageError(
          description: "--nn-delta expects a number >= 0, got '\(delta)'")
      }
      options.neighbourDescent.delta = value
    }
    if parsed.flags.contains("gradient-only") {
      try gradientTiming(parsed, points: points, options: options)
      return
    }
    let data = TSNEBenchmark.data(points: points, dimensions: dimensions)
    if let path = parsed.options["save-data"] {
      try NumpyFile.encode(shape: [points, dimensions], values: data.data)
        .write(to: URL(fileURLWithPath: path))
    }
    if parsed.flags.contains("search-only") {
      for threads in try parsed.integers("threads", default: [1, 2]) {
        print(TSNEBenchmark.neighbourSearch(data: data, threads: threads, options: options))
      }
      return
    }
    if parsed.options["recall-sample"] != nil {
      let queries = try parsed.integers("recall-sample", default: [])[0]
      for threads in try parsed.integers("threads", default: [1, 2]) {
        let r = TSNEBenchmark.sampledNeighbourRecall(
          data: data, threads: threads, options: options, queries: max(1, queries))
        print(
          String(
            format: "%d x %d, k = %d, %d threads: approximate %.2f s, recall %.4f on %d sampled points",
            points, dimensions, r.k, threads, r.approximateSeconds, r.recall, queries)
            + String(
              format: " (search CPU s: start %.2f, %d rounds %.2f, refinement %.2f)",
              r.report.startCPUSeconds, r.report.updatesPerRound.count,
              r.report.roundsCPUSeconds, r.report.refinementCPUSeconds))
      }
      return
    }
    if parsed.flags.contains("recall") {
      for threads in try parsed.integers("threads", default: [1, 2]) {
        let r = try TSNEBenchmark.neighbourRecall(data: data, threads: threads, options: options)
        print(
          String(
            format: "%d x %d, k = %d, %d threads: exact %.2f s, approximate %.2f s, recall %.4f",
            points, dimensions, r.k, threads, r.exactSeconds, r.approximateSeconds, r.recall))
      }
      return
    }
    var results: [TSNEBenchmarkResult] = []
    var embedding: [Float] = []
    for threads in try parsed.integers("threads", default: [1, 2]) {
      results.append(
        try TSNEBenchmark.run(
          data: data, threads: threads, options: options, embedding: &embedding,
          trace: parsed.flags.contains("phases") ? TSNEPreparationTrace() : nil))
    }
    if let path = parsed.options["save-embedding"] {
      try NumpyFile.encode(shape: [points, 2], values: embedding)
        .write(to: URL(fileURLWithPath: path))
    }
    if parsed.flags.contains("json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(results), as: UTF8.self))
    } else {
      print(TSNEBenchmark.table(results))
      print(TSNEBenchmark.iterationCosts(results))
    }
  }

  /// `--gradient-only`: the gradient alone on a synthetic map (`TSNEGradientTiming`), for each
  /// `--extent` and, without `--method`, both Barnes-Hut and the FFT.
  private static func gradientTiming(
    _ parsed: CommandLineArguments, points: Int, options: TSNEOptions
  ) throws {
    let methods: [TSNEOptions.Method] =
      parsed.options["method"] == nil ? [.barnesHut, .fft] : [options.method]
    let extents = try parsed.integers("extent", default: [100])
    let evaluations = try parsed.integers("iterations", default: [20])[0]
    for threads in try parsed.integers("threads", default: [2]) {
      for extent in extents {
        for method in methods {
          let repulsionOnly = parsed.flags.contains("repulsion-only")
          let r =
            repulsionOnly
            ? TSNEGradientTiming.measureRepulsion(
              points: points, extent: Float(extent), method: method, evaluations: evaluations,
              threads: threads)
            : TSNEGradientTiming.measure(
              points: points, neighbours: options.neighbourCount(count: points),
              extent: Float(extent), method: method, evaluations: evaluations, threads: threads)
          print(
            "\(points) points, extent \(extent), \(method.rawValue), \(threads) threads: "
              + String(
                format: "%.1f ms CPU, %.1f ms wall per %@", 1000 * r.cpuSecondsPerEvaluation,
                1000 * r.wallSecondsPerEvaluation, repulsionOnly ? "repulsion" : "gradient"))
        }
      }
    }
  }
}
