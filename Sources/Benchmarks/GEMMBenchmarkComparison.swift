import Foundation

/// One measurement of another library (numpy's matmul over OpenBLAS, from
/// Tests/Bench/numpy_gemm.py) for the same square size and thread count.
public struct GEMMReferenceResult: Codable, Sendable {
  public let n: Int
  public let threads: Int
  public let gflops: Double
}

/// The file Tests/Bench/numpy_gemm.py writes: `{"library": ..., "threads": N, "results": [...]}`.
public struct GEMMReferenceRun: Codable, Sendable {
  public let library: String
  public let results: [GEMMReferenceResult]
}

/// One row of the comparison: our figure, the reference's, their ratio and the verdict.
public struct GEMMComparison: Codable, Sendable {
  public let n: Int
  public let threads: Int
  public let gflops: Double
  public let referenceGflops: Double
  public let ratio: Double
  public let targetMet: Bool
}

extension GEMMBenchmark {
  /// The issue's target: at least this fraction of the reference's GFLOP/s.
  public static let targetRatio = 0.8

  /// Rows for every size and thread count measured by both.
  public static func comparison(
    _ results: [GEMMBenchmarkResult], reference: [GEMMReferenceResult]
  ) -> [GEMMComparison] {
    results.compactMap { result in
      guard let other = reference.first(where: { $0.n == result.n && $0.threads == result.threads }) else {
        return nil
      }
      let ratio = result.gflops / other.gflops
      return GEMMComparison(
        n: result.n, threads: result.threads, gflops: result.gflops, referenceGflops: other.gflops,
        ratio: ratio, targetMet: ratio >= targetRatio)
    }
  }

  /// Our GFLOP/s beside the reference's, with the ratio and whether it meets `targetRatio`.
  public static func comparisonTable(
    _ results: [GEMMBenchmarkResult], reference: [GEMMReferenceResult]
  ) -> String {
    var lines = [
      "     n  threads   vlp GFLOP/s   numpy GFLOP/s   ratio   target (>= \(Int(targetRatio * 100))%)"
    ]
    let rows = comparison(results, reference: reference)
    for result in results {
      let line = String(format: "%6d  %7d  %12.1f", result.n, result.threads, result.gflops)
      guard let row = rows.first(where: { $0.n == result.n && $0.threads == result.threads }) else {
        lines.append(line + "               -       -   (no numpy figure)")
        continue
      }
      lines.append(
        line + String(format: "  %14.1f  %5.0f%%   %@", row.referenceGflops, row.ratio * 100,
          row.targetMet ? "met" : "NOT met"))
    }
    return lines.joined(separator: "\n")
  }
}
