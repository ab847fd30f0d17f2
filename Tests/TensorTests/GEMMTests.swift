import Testing

@testable import Tensor

/// Row-major test operands with padded leading dimensions, built for one layout.
private struct Operands {
  let m: Int, n: Int, k: Int
  let transposeA: Bool, transposeB: Bool
  let lda: Int, ldb: Int, ldc: Int
  var a: [Float], b: [Float], c: [Float]

  init(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, pad: Int = 3, seed: UInt64 = 1) {
    self.m = m
    self.n = n
    self.k = k
    self.transposeA = transposeA
    self.transposeB = transposeB
    lda = (transposeA ? m : k) + pad
    ldb = (transposeB ? k : n) + pad
    ldc = n + pad
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    func next() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(Int(state >> 41) % 2001 - 1000) / 1000
    }
    a = (0..<(max(1, transposeA ? k : m) * lda)).map { _ in next() }
    b = (0..<(max(1, transposeB ? n : k) * ldb)).map { _ in next() }
    c = (0..<(max(1, m) * ldc)).map { _ in next() }
  }

  func opA(_ i: Int, _ p: Int) -> Float { transposeA ? a[p * lda + i] : a[i * lda + p] }
  func opB(_ p: Int, _ j: Int) -> Float { transposeB ? b[j * ldb + p] : b[p * ldb + j] }

  /// C after the product, computed by the library.
  func product(alpha: Float, accumulate: Bool, threads: Int, freshC: Float? = nil) -> [Float] {
    var out = c
    if let freshC { for i in 0..<m { for j in 0..<n { out[i * ldc + j] = freshC } } }
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        out.withUnsafeMutableBufferPointer { c in
          GEMM.multiply(
            m: m, n: n, k: k, a: a.baseAddress!, lda: lda, transposeA: transposeA,
            b: b.baseAddress!, ldb: ldb, transposeB: transposeB, c: c.baseAddress!, ldc: ldc,
            alpha: alpha, accumulate: accumulate, threads: threads)
        }
      }
    }
    return out
  }

  /// Checks `out` against a Double triple loop, within float32 rounding of the sum of |terms|.
  func expectMatchesReference(_ out: [Float], alpha: Float, accumulate: Bool) {
    var worst = 0.0
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0, magnitude = 0.0
        for p in 0..<k {
          let term = Double(opA(i, p)) * Double(opB(p, j))
          sum += term
          magnitude += abs(term)
        }
        let old = accumulate ? Double(c[i * ldc + j]) : 0
        let want = Double(alpha) * sum + old
        let tolerance = 1.2e-7 * Double(k + 2) * (abs(Double(alpha)) * magnitude + abs(old)) + 1e-30
        worst = max(worst, abs(Double(out[i * ldc + j]) - want) / tolerance)
      }
      // Padding columns of C are never written.
      for j in n..<ldc { #expect(out[i * ldc + j].bitPattern == c[i * ldc + j].bitPattern) }
    }
    #expect(worst <= 1, "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB): error \(worst) x tolerance")
  }
}

private let layouts = [(false, false), (false, true), (true, false), (true, true)]

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

@Suite("GEMM")
struct GEMMTests {
  @Test("every layout matches a Double reference", arguments: [
    (1, 1, 1), (7, 7, 7), (33, 33, 33), (64, 128, 64), (128, 64, 128), (129, 129, 129),
    (1, 129, 7), (129, 1, 33), (7, 33, 129), (33, 7, 300), (6, 32, 1), (13, 65, 257),
  ])
  func matchesReference(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    for (index, (transposeA, transposeB)) in layouts.enumerated() {
      let x = Operands(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, seed: UInt64(index + 1))
      for (alpha, accumulate) in [(Float(1), false), (Float(-0.75), true)] {
        // A fresh C starts as NaN: its old contents must be ignored.
        let out = x.product(alpha: alpha, accumulate: accumulate, threads: 1, freshC: accumulate ? nil : .nan)
        x.expectMatchesReference(out, alpha: alpha, accumulate: accumulate)
      }
    }
  }

  @Test("results are bit-identical for 1, 2 and 3 threads")
  func threadCountDoesNotChangeBits() {
    for (transposeA, transposeB) in layouts {
      // Column blocks (A read in place), and row blocks (n < 32: one 16-wide column panel).
      for (m, n, k) in [(100, 130, 150), (300, 20, 200)] {
        let x = Operands(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        let one = x.product(alpha: 0.5, accumulate: true, threads: 1)
        #expect(bits(x.product(alpha: 0.5, accumulate: true, threads: 2)) == bits(one))
        #expect(bits(x.product(alpha: 0.5, accumulate: true, threads: 3)) == bits(one))
      }
    }
  }

  /// Weight-gradient shapes (dW = dYᵀ X: transposed A, plain B) large enough that A is packed,
  /// which packs both operands row by row: whole panels plus a ragged edge (m = 130 is 21 panels
  /// of 6 and 4 rows, n = 100 three panels of 32 and 4 columns), k cut into blocks of 200.
  @Test(
    "packed Aᵀ times B at a training step's shapes matches the reference, on any number of threads",
    arguments: [(130, 100, 600), (128, 64, 544), (36, 64, 2000)])
  func transposedAPackedRowByRow(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    let x = Operands(m: m, n: n, k: k, transposeA: true, transposeB: false)
    #expect(m * n * k >= GEMMTuning.packTransposedAWork)
    let one = x.product(alpha: -0.75, accumulate: true, threads: 1)
    x.expectMatchesReference(one, alpha: -0.75, accumulate: true)
    #expect(bits(x.product(alpha: -0.75, accumulate: true, threads: 2)) == bits(one))
    #expect(bits(x.product(alpha: -0.75, accumulate: true, threads: 3)) == bits(one))
  }

  @Test("packed and in-place A give the same bits, on any number of threads")
  func pathsAgree() {
    for (transposeA, transposeB) in layouts {
      let x = Operands(m: 50, n: 70, k: 300, transposeA: transposeA, transposeB: transposeB)
      let reference = x.product(alpha: 1.5, accumulate: false, threads: 1)
      for (packsA, threads) in [(true, 1), (true, 2), (false, 1), (false, 2)] {
        var out = x.c
        x.a.withUnsafeBufferPointer { a in
          x.b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { c in
              let problem = GEMM.Problem(
                m: x.m, n: x.n, k: x.k, a: a.baseAddress!, lda: x.lda, transposeA: transposeA,
                b: b.baseAddress!, ldb: x.ldb, transposeB: transposeB, c: c.baseAddress!,
                ldc: x.ldc, alpha: 1.5, accumulate: false)
              GEMM.multiplyBlocked(problem, threads: threads, packsA: packsA)
            }
          }
        }
        #expect(bits(out) == bits(reference), "packsA \(packsA) threads \(threads)")
      }
    }
  }

  @Test("the alignment of the inputs does not change the bits")
  func alignmentDoesNotMatter() {
    let x = Operands(m: 37, n: 45, k: 70, transposeA: false, transposeB: true, pad: 0)
    let reference = x.product(alpha: 1, accumulate: false, threads: 1)
    var shifted = x
    shifted.a.insert(0, at: 0)
    shifted.b.insert(0, at: 0)
    var out = x.c
    shifted.a.withUnsafeBufferPointer { a in
      shifted.b.withUnsafeBufferPointer { b in
        out.withUnsafeMutableBufferPointer { c in
          GEMM.multiply(
            m: x.m, n: x.n, k: x.k, a: a.baseAddress! + 1, lda: x.lda, transposeA: false,
            b: b.baseAddress! + 1, ldb: x.ldb, transposeB: true, c: c.baseAddress!, ldc: x.ldc)
        }
      }
    }
    #expect(bits(out) == bits(reference))
  }

  @Test("zero sizes")
  func zeroSizes() {
    for (m, n) in [(0, 5), (5, 0)] {
      let x = Operands(m: m, n: n, k: 4, transposeA: false, transposeB: false)
      #expect(bits(x.product(alpha: 1, accumulate: false, threads: 2)) == bits(x.c))
    }
    let x = Operands(m: 3, n: 5, k: 0, transposeA: true, transposeB: false)
    let fresh = x.product(alpha: 1, accumulate: false, threads: 2, freshC: .nan)
    for i in 0..<3 { for j in 0..<5 { #expect(fresh[i * x.ldc + j] == 0) } }
    #expect(bits(x.product(alpha: 1, accumulate: true, threads: 2)) == bits(x.c))
  }

  @Test("batched products match one-by-one products, with B shared or not")
  func batched() {
    let (batch, m, n, k) = (5, 33, 40, 50)
    for (transposeA, transposeB) in layouts {
      for sharesB in [false, true] {
        let parts = (0..<batch).map {
          Operands(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, seed: UInt64($0 + 7))
        }
        let a = parts.flatMap(\.a)
        let b = sharesB ? parts[0].b : parts.flatMap(\.b)
        let x = parts[0]
        let (strideA, strideB, strideC) = (x.a.count, sharesB ? 0 : x.b.count, x.c.count)
        for threads in [1, 2] {
          var c = parts.flatMap(\.c)
          a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
              c.withUnsafeMutableBufferPointer { c in
                GEMM.multiplyBatched(
                  batch: batch, m: m, n: n, k: k, a: a.baseAddress!, strideA: strideA, lda: x.lda,
                  transposeA: transposeA, b: b.baseAddress!, strideB: strideB, ldb: x.ldb,
                  transposeB: transposeB, c: c.baseAddress!, strideC: strideC, ldc: x.ldc,
                  alpha: 2, accumulate: true, threads: threads)
              }
            }
          }
          for i in 0..<batch {
            var single = parts[i]
            if sharesB { single.b = parts[0].b }
            let want = single.product(alpha: 2, accumulate: true, threads: 1)
            #expect(bits(Array(c[i * strideC..<(i + 1) * strideC])) == bits(want))
          }
        }
      }
    }
  }
}
