import Foundation
import TSNE
import Tensor

/// One timed t-SNE run for `vlp bench tsne` (docs/projection.md): the neighbour search,
/// affinities and PCA ("preparation") and the optimisation, on seeded Gaussian clusters.
public struct TSNEBenchmarkResult: Codable, Sendable, Equatable {
  public var points: Int
  public var dimensions: Int
  public var iterations: Int
  public var perplexity: Double
  public var method: String
  public var threads: Int
  public var preparationSeconds: Double
  public var optimisationSeconds: Double
  public var totalSeconds: Double
  /// CPU seconds of the whole process (all threads) in each phase: on a shared machine the
  /// steadier figure (docs/benchmarks.md compares them with openTSNE's process CPU time).
  public var preparationCPUSeconds: Double
  public var optimisationCPUSeconds: Double
  /// The process's peak resident memory (VmHWM, MiB) when the preparation ended: the input
  /// data included (docs/benchmarks.md, "Preparation and memory").
  public var preparationPeakMiB: Double? = nil
  public var klDivergence: Double
  public var trustworthiness: Double
  /// The early-exaggeration iterations and their process CPU seconds (the rest of
  /// `optimisationCPUSeconds` is the later iterations'): the map is compact, then spread, and
  /// the repulsion's cost differs between the two.
  public var exaggerationIterations: Int = 0
  public var exaggerationCPUSeconds: Double = 0
  /// Gradient evaluations that used the FFT-interpolated repulsion (`auto` chooses per evaluation).
  public var interpolatedEvaluations = 0
}

public enum TSNEBenchmark {
  /// The benchmark's input: 10 overlapping Gaussian clusters (centres N(0, 2^2) per coordinate,
  /// unit noise), fixed by the seed.
  public static func data(points: Int, dimensions: Int, seed: UInt64 = 2024) -> GaussianClusters {
    GaussianClusters(
      count: points, dimensions: dimensions, clusters: 10, spread: 2, noise: 1, seed: seed)
  }

  public static func run(
    data: GaussianClusters, threads: Int, options: TSNEOptions = TSNEOptions()
  ) throws -> TSNEBenchmarkResult {
    var embedding: [Float] = []
    return try run(data: data, threads: threads, options: options, embedding: &embedding)
  }

  /// The same, handing back the embedding (for `--save-embedding`); `trace` (`--phases`)
  /// times the preparation's steps.
  public static func run(
    data: GaussianClusters, threads: Int, options: TSNEOptions, embedding: inout [Float],
    trace: TSNEPreparationTrace? = nil
  ) throws -> TSNEBenchmarkResult {
    try ComputeSettings.withThreadCount(threads) {
      let start = DispatchTime.now().uptimeNanoseconds
      let startCPU = ProcessCPUTime.seconds()
      // The run in its own scope: its affinities are freed before the trustworthiness
      // estimate allocates (at a million points the two together would pass 2 GB).
      var preparationPeak = 0.0
      var interpolated = 0
      let (prepared, preparedCPU, method, iterations, klDivergence, exaggerated) = try {
        var tsne = try TSNE(
          data: data.data, count: data.count, dimensions: data.dimensions, options: options,
          monitor: trace?.monitor ?? .none)
        let prepared = DispatchTime.now().uptimeNanoseconds
        let preparedCPU = ProcessCPUTime.seconds()
        preparationPeak = ProcessMemory.peakResidentMiB()
        trace?.finish()
        var iterations = trace.map { _ in TSNEIterationTrace(tsne) }
        while tsne.isExaggerating, !tsne.isFinished {
          tsne.step()
          iterations?.after(tsne)
        }
        let exaggerated = (tsne.iteration, ProcessCPUTime.seconds() - preparedCPU)
        while !tsne.isFinished {
          tsne.step()
          iterations?.after(tsne)
        }
        interpolated = tsne.interpolatedEvaluations
        embedding = tsne.embedding
        return (
          prepared, preparedCPU, tsne.method, tsne.iteration, tsne.klDivergence, exaggerated
        )
      }()
      let end = DispatchTime.now().uptimeNanoseconds
      let endCPU = ProcessCPUTime.seconds()
      // Exact up to 20,000 points; above, the sampled estimate (docs/projection.md).
      let trust =
        data.count <= 20_000
        ? try Trustworthiness.score(
          original: data.data, dimensions: data.dimensions, embedding: embedding,
          neighbours: 10)
        : try Trustworthiness.estimate(
          original: data.data, dimensions: data.dimensions, embedding: embedding,
          neighbours: 10, queries: 2000)
      return TSNEBenchmarkResult(
        points: data.count, dimensions: data.dimensions, iterations: iterations,
        perplexity: options.perplexity, method: method.rawValue, threads: threads,
        preparationSeconds: Double(prepared - start) * 1e-9,
        optimisationSeconds: Double(end - prepared) * 1e-9,
        totalSeconds: Double(end - start) * 1e-9,
        preparationCPUSeconds: preparedCPU - startCPU, optimisationCPUSeconds: endCPU - preparedCPU,
        preparationPeakMiB: preparationPeak, klDivergence: klDivergence ?? .nan,
        trustworthiness: trust,
        exaggerationIterations: exaggerated.0, exaggerationCPUSeconds: exaggerated.1,
        interpolatedEvaluations: interpolated)
    }
  }

  /// Process CPU milliseconds per iteration during early exaggeration and after it.
  public static func iterationCosts(_ results: [TSNEBenchmarkResult]) -> String {
    results.map { r in
      let late = r.iterations - r.exaggerationIterations
      return String(
        format: "%d points, %d threads: optimisation CPU per iteration %.1f ms over the first %d"
          + " (exaggerated), %.1f ms over the other %d; FFT repulsion in %d evaluations",
        r.points, r.threads,
        1000 * r.exaggerationCPUSeconds / Double(max(1, r.exaggerationIterations)),
        r.exaggerationIterations,
        1000 * (r.optimisationCPUSeconds - r.exaggerationCPUSeconds) / Double(max(1, late)), late,
        r.interpolatedEvaluations)
    }.joined(separator: "\n")
  }

  /// Times the exact and the approximate neighbour search on `data` (centred, as `TSNE`
  /// does) at t-SNE's k, and measures the approximate one's recall.
  public static func neighbourRecall(
    data: GaussianClusters, threads: Int, options: TSNEOptions
  ) throws -> (k: Int, exactSeconds: Double, approximateSeconds: Double, recall: Double) {
    let k = options.neighbourCount(count: data.count)
    let centred = TSNE.centred(data.data, count: data.count, dimensions: data.dimensions)
    return ComputeSettings.withThreadCount(threads) {
      let start = DispatchTime.now().uptimeNanoseconds
      let exact = NearestNeighbours.exact(
        data: centred, count: data.count, dimensions: data.dimensions, k: k)
      let middle = DispatchTime.now().uptimeNanoseconds
      let approximate = NeighbourDescent.search(
        data: centred, count: data.count, dimensions: data.dimensions, k: k, seed: options.seed,
        settings: options.neighbourDescent
      ).graph
      let end = DispatchTime.now().uptimeNanoseconds
      return (
        k, Double(middle - start) * 1e-9, Double(end - middle) * 1e-9,
        NeighbourDescent.recall(approximate, exact: exact)
      )
    }
  }

  /// Times the approximate neighbour search alone (on the input as `TSNE` gives it, uncentred)
  /// and describes what it did, for `--search-only`.
  public static func neighbourSearch(
    data: GaussianClusters, threads: Int, options: TSNEOptions
  ) -> String {
    let k = options.neighbourCount(count: data.count)
    return ComputeSettings.withThreadCount(threads) {
      let (start, startCPU) = (DispatchTime.now().uptimeNanoseconds, ProcessCPUTime.seconds())
      let report = NeighbourDescent.search(
        data: data.data, count: data.count, dimensions: data.dimensions, k: k, seed: options.seed,
        settings: options.neighbourDescent
      ).report
      let wall = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      return String(
        format: "%d x %d, k = %d, %d threads: approximate search %.2f s wall, %.2f s CPU"
          + " (%d trees: start %.2f s CPU; %d rounds: %.2f s CPU); entries changed per round: ",
        data.count, data.dimensions, k, threads, wall, ProcessCPUTime.seconds() - startCPU,
        report.trees, report.startCPUSeconds, report.updatesPerRound.count,
        report.roundsCPUSeconds) + report.updatesPerRound.map(String.init).joined(separator: " ")
        + String(
          format: "; refinement %d entries, %.2f s CPU", report.refinementUpdates,
          report.refinementCPUSeconds)
    }
  }

  /// Recall of the approximate search on `queries` evenly spaced points (their exact
  /// neighbours by one GEMM scan each: seconds where the whole exact search takes many minutes
  /// at 200,000 points), for `--recall-sample`.
  public static func sampledNeighbourRecall(
    data: GaussianClusters, threads: Int, options: TSNEOptions, queries: Int
  ) -> (k: Int, approximateSeconds: Double, recall: Double, report: NeighbourDescent.Report) {
    let (n, d) = (data.count, data.dimensions)
    let k = options.neighbourCount(count: n)
    let centred = TSNE.centred(data.data, count: n, dimensions: d)
    return ComputeSettings.withThreadCount(threads) {
      let start = DispatchTime.now().uptimeNanoseconds
      let (approximate, report) = NeighbourDescent.search(
        data: data.data, count: n, dimensions: d, k: k, seed: options.seed,
        settings: options.neighbourDescent)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      let picked = (0..<min(queries, n)).map { $0 * n / min(queries, n) }
      let rows = picked.flatMap { centred[($0 * d)..<(($0 + 1) * d)] }
      let exact = NearestNeighbours.exact(
        queries: rows, count: picked.count, data: centred, dataCount: n, dimensions: d, k: k + 1)
      var found = 0
      for (q, i) in picked.enumerated() {
        // The query itself is among its own nearest: drop it, keep k.
        let truth = Set(
          exact.indices[(q * (k + 1))..<((q + 1) * (k + 1))].filter { $0 != Int32(i) }.prefix(k))
        for r in 0..<k where truth.contains(approximate.indices[i * k + r]) { found += 1 }
      }
      return (k, seconds, Double(found) / Double(picked.count * k), report)
    }
  }

  public static func table(_ results: [TSNEBenchmarkResult]) -> String {
    var lines = [
      "points  dims  iters  method      threads  prepare s  optimise s  total s  KL      trust(10)"
        + "  prepare CPU s  optimise CPU s"
    ]
    for r in results {
      lines.append(
        String(format: "%6d  %4d  %5d  ", r.points, r.dimensions, r.iterations)
          + r.method.padding(toLength: 10, withPad: " ", startingAt: 0)
          + String(
            format: "  %7d  %9.2f  %10.2f  %7.2f  %6.3f  %9.4f", r.threads,
            r.preparationSeconds, r.optimisationSeconds, r.totalSeconds, r.klDivergence,
            r.trustworthiness)
          + String(format: "  %13.2f  %14.2f", r.preparationCPUSeconds, r.optimisationCPUSeconds))
    }
    return lines.joined(separator: "\n")
  }
}
