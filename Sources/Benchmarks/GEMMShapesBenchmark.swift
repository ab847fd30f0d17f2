import Foundation
import Tensor

/// One matrix product of a training step: C (m x n) = op(A) op(B) with k terms, as the step
/// calls GEMM (row-major; a Linear's forward is x Wᵀ: transposeB; its weight gradient is
/// dYᵀ x: transposeA), and how many times a step runs it.
public struct GEMMShape: Sendable, Codable, Hashable {
  public let m: Int, n: Int, k: Int
  public let transposeA: Bool, transposeB: Bool
  public let countPerStep: Int

  public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
  public var label: String {
    "\(m)x\(n)x\(k)" + (transposeA ? " Aᵀ" : "") + (transposeB ? " Bᵀ" : "")
  }
}

/// The products of one bench-small step (ALBEF, d 128, FFN 512, 2 + 2 + 2 layers, batch 32),
/// derived from the model: every Linear's forward, and for the student its two gradients
/// (dX = dY W and dW = dYᵀ X). Attention's per-head products (inside AttentionKernel) are not
/// GEMM calls and are left out. Rows: image tokens 32 x 17, text 32 x 25, ITM's fusion batch
/// 96 x 25 over 96 x 17 image tokens, about 64 masked positions.
public enum StepGEMMShapes {
  public static let benchSmall: [GEMMShape] = {
    let d = 128, hidden = 512
    let image = 32 * 17, text = 32 * 25, itmText = 96 * 25, itmImage = 96 * 17, masked = 64
    var counts: [GEMMShape: Int] = [:]
    /// A Linear (inputs -> outputs) over `rows` rows, run `forwardOnly` times by the momentum
    /// model and `trained` times by the student.
    func linear(_ rows: Int, _ inputs: Int, _ outputs: Int, forwardOnly: Int = 0, trained: Int) {
      func add(_ m: Int, _ n: Int, _ k: Int, _ tA: Bool, _ tB: Bool, _ count: Int) {
        guard count > 0 else { return }
        let key = GEMMShape(m: m, n: n, k: k, transposeA: tA, transposeB: tB, countPerStep: 0)
        counts[key, default: 0] += count
      }
      add(rows, outputs, inputs, false, true, forwardOnly + trained)  // Y = X Wᵀ
      add(rows, inputs, outputs, false, false, trained)  // dX = dY W
      add(outputs, inputs, rows, true, false, trained)  // dW = dYᵀ X
    }
    /// `layers` pre-LN layers over `rows` tokens; cross-attention over `crossRows` image tokens.
    func encoder(_ rows: Int, crossRows: Int? = nil, forwardOnly: Int = 0, trained: Int) {
      let layers = 2
      linear(rows, d, d, forwardOnly: 4 * layers * forwardOnly, trained: 4 * layers * trained)
      if let crossRows {
        linear(rows, d, d, forwardOnly: 2 * layers * forwardOnly, trained: 2 * layers * trained)
        linear(crossRows, d, d, forwardOnly: 2 * layers * forwardOnly, trained: 2 * layers * trained)
      }
      linear(rows, d, hidden, forwardOnly: layers * forwardOnly, trained: layers * trained)
      linear(rows, hidden, d, forwardOnly: layers * forwardOnly, trained: layers * trained)
    }
    linear(image, 48, d, forwardOnly: 1, trained: 1)  // patch embedding
    encoder(image, forwardOnly: 1, trained: 1)  // image encoder
    encoder(text, forwardOnly: 2, trained: 2)  // text encoder: caption and masked caption
    encoder(itmText, crossRows: itmImage, trained: 1)  // ITM's fusion batch of 3B
    encoder(text, crossRows: image, forwardOnly: 1, trained: 1)  // MLM's fusion pass
    linear(32, d, 64, forwardOnly: 2, trained: 2)  // ITC projections
    linear(masked, d, d, forwardOnly: 1, trained: 1)  // MLM head transform
    linear(masked, d, 1000, forwardOnly: 1, trained: 1)  // tied decoder
    return counts.map {
      GEMMShape(
        m: $0.key.m, n: $0.key.n, k: $0.key.k, transposeA: $0.key.transposeA,
        transposeB: $0.key.transposeB, countPerStep: $0.value)
    }.sorted { ($0.flops * Double($0.countPerStep), $0.label) > ($1.flops * Double($1.countPerStep), $1.label) }
  }()
}

/// Our GEMM at one of a step's shapes: best and median over repetitions.
public struct GEMMShapeResult: Sendable, Codable {
  public let shape: GEMMShape
  public let threads: Int
  public let bestSeconds: Double
  public let medianSeconds: Double
  public var gflops: Double { shape.flops / bestSeconds / 1e9 }
  public var medianGFLOPS: Double { shape.flops / medianSeconds / 1e9 }
}

extension GEMMBenchmark {
  /// Times each shape as a step calls it (Tests/Bench/torch_gemm_shapes.py times the same
  /// list with torch.matmul and numpy, from this function's --json output).
  public static func runShapes(
    _ shapes: [GEMMShape], threads: [Int], minimumSeconds: Double = 0.2
  ) -> [GEMMShapeResult] {
    var results: [GEMMShapeResult] = []
    for shape in shapes {
      let rowsA = shape.transposeA ? shape.k : shape.m, columnsA = shape.transposeA ? shape.m : shape.k
      let rowsB = shape.transposeB ? shape.n : shape.k, columnsB = shape.transposeB ? shape.k : shape.n
      let a = UnsafeMutablePointer<Float>.allocate(capacity: rowsA * columnsA)
      let b = UnsafeMutablePointer<Float>.allocate(capacity: rowsB * columnsB)
      let c = UnsafeMutablePointer<Float>.allocate(capacity: shape.m * shape.n)
      defer {
        a.deallocate()
        b.deallocate()
        c.deallocate()
      }
      for i in 0..<(rowsA * columnsA) { a[i] = Float(i % 17) * 0.01 - 0.08 }
      for i in 0..<(rowsB * columnsB) { b[i] = Float(i % 13) * 0.01 - 0.06 }
      for threadCount in threads {
        let product = {
          GEMM.multiply(
            m: shape.m, n: shape.n, k: shape.k, a: a, lda: columnsA, transposeA: shape.transposeA,
            b: b, ldb: columnsB, transposeB: shape.transposeB, c: c, ldc: shape.n,
            threads: threadCount)
        }
        product()
        var samples: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        while samples.count < 5
          || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < minimumSeconds
        {
          let t0 = DispatchTime.now().uptimeNanoseconds
          product()
          samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        samples.sort()
        results.append(
          GEMMShapeResult(
            shape: shape, threads: threadCount, bestSeconds: samples[0],
            medianSeconds: samples[samples.count / 2]))
      }
    }
    return results
  }

  public static func shapesTable(_ results: [GEMMShapeResult]) -> String {
    var lines = [
      pad("shape (m x n x k)", 22) + pad("per step", 10) + pad("threads", 9) + pad("GFLOP/s", 10)
        + pad("median", 9) + pad("ms per step", 13)
    ]
    var totals: [Int: Double] = [:]
    for r in results {
      let perStep = r.medianSeconds * Double(r.shape.countPerStep) * 1e3
      totals[r.threads, default: 0] += perStep
      lines.append(
        pad(r.shape.label, 22) + pad("\(r.shape.countPerStep)", 10) + pad("\(r.threads)", 9)
          + pad(String(format: "%.1f", r.gflops), 10) + pad(String(format: "%.1f", r.medianGFLOPS), 9)
          + pad(String(format: "%.2f", perStep), 13))
    }
    for (threads, total) in totals.sorted(by: { $0.key < $1.key }) {
      lines.append(String(format: "GEMM per step at %d thread(s): %.1f ms (medians x count)", threads, total))
    }
    return lines.joined(separator: "\n")
  }
}
