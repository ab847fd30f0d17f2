import Foundation
import Tensor

public struct GEMMBenchmarkResult: Sendable, Codable {
  public let n: Int
  public let threads: Int
  public let gflops: Double
  public let percentOfCeiling: Double
  public let seconds: Double
  public let repetitions: Int
}

/// Square float32 products timed like Tests/Bench/numpy_gemm.py: one warm-up call, then
/// repetitions for at least `minimumSeconds`; the best repetition counts. Best-of, because this
/// VM's neighbours make the median drift by a third from run to run.
public enum GEMMBenchmark {
  /// Nominal fp32 peak of one core: 2 FMA pipes x 16 lanes x 2 flops x ~3.7 GHz. The VM's
  /// sustained AVX-512 FMA rate measures lower, about 170 GFLOP/s per core.
  public static let ceilingGFLOPSPerCore: Double = 235

  public static func run(
    sizes: [Int] = [256, 512, 1024], threads: [Int], minimumSeconds: Double = 0.5
  ) -> [GEMMBenchmarkResult] {
    var results: [GEMMBenchmarkResult] = []
    for n in sizes where n > 0 {
      let count = n * n
      let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
      let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
      let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
      defer {
        a.deallocate()
        b.deallocate()
        c.deallocate()
      }
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      for i in 0..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        a[i] = Float(state >> 40) / Float(1 << 24) - 0.5
        b[i] = Float(state >> 16 & 0xFF_FFFF) / Float(1 << 24) - 0.5
      }
      for threadCount in threads {
        let product = {
          GEMM.multiply(
            m: n, n: n, k: n, a: a, lda: n, transposeA: false, b: b, ldb: n, transposeB: false,
            c: c, ldc: n, threads: threadCount)
        }
        product()
        var best = Double.infinity
        var repetitions = 0
        let start = DispatchTime.now().uptimeNanoseconds
        while repetitions < 3
          || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < minimumSeconds
        {
          let t0 = DispatchTime.now().uptimeNanoseconds
          product()
          best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
          repetitions += 1
        }
        let gflops = 2 * Double(n) * Double(n) * Double(n) / best / 1e9
        results.append(
          GEMMBenchmarkResult(
            n: n, threads: threadCount, gflops: gflops,
            percentOfCeiling: 100 * gflops / (ceilingGFLOPSPerCore * Double(max(1, threadCount))),
            seconds: best, repetitions: repetitions))
      }
    }
    return results
  }

  /// `text` right-aligned in `width` columns (never cut), for the benchmark tables.
  static func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }

  public static func table(_ results: [GEMMBenchmarkResult]) -> String {
    var lines = [
      pad("n", 6) + pad("threads", 9) + pad("GFLOP/s", 10) + pad("% of ceiling", 14)
        + pad("ms", 10) + pad("reps", 7)
    ]
    for r in results {
      lines.append(
        pad("\(r.n)", 6) + pad("\(r.threads)", 9) + pad(String(format: "%.1f", r.gflops), 10)
          + pad(String(format: "%.1f%%", r.percentOfCeiling), 14)
          + pad(String(format: "%.3f", r.seconds * 1e3), 10) + pad("\(r.repetitions)", 7))
    }
    lines.append(
      "ceiling = \(Int(ceilingGFLOPSPerCore)) GFLOP/s x threads; GFLOP/s = 2 n^3 / best time")
    return lines.joined(separator: "\n")
  }
}
