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

extension GEMMBenchmark {
  /// The issue's target: at least this fraction of the reference's GFLOP/s.
  public static let targetRatio = 0.8

  /// Our GFLOP/s beside the reference's, with the ratio and whether it meets `targetRatio`.
  public static func comparisonTable(
    _ results: [GEMMBenchmarkResult], reference: [GEMMReferenceResult]
  ) -> String {
    var lines = [
      "     n  threads   vlp GFLOP/s   numpy GFLOP/s   ratio   target (>= \(Int(targetRatio * 100))%)"
    ]
    for result in results {
      let line = String(format: "%6d  %7d  %12.1f", result.n, result.threads, result.gflops)
      guard let other = reference.first(where: { $0.n == result.n && $0.threads == result.threads }) else {
        lines.append(line + "               -       -   (no numpy figure)")
        continue
      }
      let ratio = result.gflops / other.gflops
      lines.append(
        line + String(format: "  %14.1f  %5.0f%%   %@", other.gflops, ratio * 100,
          ratio >= targetRatio ? "met" : "NOT met"))
    }
    return lines.joined(separator: "\n")
  }
}
