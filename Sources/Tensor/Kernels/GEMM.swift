import Dispatch
import Synchronization

/// Single-precision matrix product, C = alpha * op(A) op(B) (+ C), for row-major matrices.
///
/// Results are bit-identical whatever the thread count and whichever internal path runs: k is
/// cut into blocks that depend on k only, each block's sum starts from zero and takes one fused
/// multiply-add per step in increasing k, and is merged into C with one more
/// (C = alpha * sum, then C = fma(alpha, sum, C)). Threads only split the rows or columns of C.
/// Input pointers need no particular alignment (values are only copied or loaded unaligned).
public enum GEMM {
  /// C (m x n, leading dimension ldc) = alpha * op(A) * op(B)  (+ C when accumulate)
  /// op(A) is m x k: A is stored m x k (lda >= k) or, when transposeA, k x m (lda >= m). Same for B (k x n, or n x k when transposeB).
  public static func multiply(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    alpha: Float = 1, accumulate: Bool = false,
    threads: Int = ComputeSettings.threadCount
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "GEMM: negative size")
    precondition(
      ldc >= n && lda >= (transposeA ? m : k) && ldb >= (transposeB ? k : n),
      "GEMM: leading dimension smaller than a row")
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
      // Nothing to add (as in BLAS, A and B are not read); a fresh C is all zeros.
      if !accumulate {
        for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
      }
      return
    }
    let problem = Problem(
      m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA,
      b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc, alpha: alpha, accumulate: accumulate)
    let workers = m * n * k >= GEMMTuning.parallelWork ? max(1, threads) : 1
    multiplyBlocked(problem, threads: workers, packsA: packsA(problem))
  }

  /// `batch` independent products; element i uses a + i*strideA, b + i*strideB, c + i*strideC.
  /// strideB may be 0 (B shared by all). Parallelise over the batch when each product is small,
  /// inside each product when they are big. Each C is written by one thread only.
  public static func multiplyBatched(
    batch: Int, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, strideA: Int, lda: Int, transposeA: Bool,
    b: UnsafePointer<Float>, strideB: Int, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<Float>, strideC: Int, ldc: Int,
    alpha: Float = 1, accumulate: Bool = false,
    threads: Int = ComputeSettings.threadCount
  ) {
    precondition(batch >= 0, "GEMM: negative batch")
    if batch == 0 { return }
    let one = { (i: Int, threads: Int) in
      multiply(
        m: m, n: n, k: k, a: a + i * strideA, lda: lda, transposeA: transposeA,
        b: b + i * strideB, ldb: ldb, transposeB: transposeB, c: c + i * strideC, ldc: ldc,
        alpha: alpha, accumulate: accumulate, threads: threads)
    }
    // Whole products per thread, unless they are big enough to split well and the batch does
    // not share out evenly (3 products on 2 threads leave one thread idle a third of the time).
    let workers = min(max(1, threads), batch)
    let work = m * n * k
    let splitsInside = work >= GEMMTuning.parallelWork && batch % workers != 0 && batch < 4 * workers
    if workers <= 1 || splitsInside || batch * work < GEMMTuning.parallelWork {
      for i in 0..<batch { one(i, threads) }
      return
    }
    parallelBlocks(batch, threads: workers) { i in one(i, 1) }
  }
}

extension GEMM {
  /// One product's arguments, passed by value between the drivers.
  struct Problem {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
    let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let alpha: Float, accumulate: Bool

    /// Address of op(A)(i, p).
    @inline(__always) func opA(_ i: Int, _ p: Int) -> UnsafePointer<Float> {
      transposeA ? a + p * lda + i : a + i * lda + p
    }
    /// Address of op(B)(p, j).
    @inline(__always) func opB(_ p: Int, _ j: Int) -> UnsafePointer<Float> {
      transposeB ? b + j * ldb + p : b + p * ldb + j
    }
  }

  /// `total` cut into `count` blocks of `size` (a multiple of `multiple`; the last block may be
  /// shorter), as even as the multiple allows: k = 300 gives 150 + 150, not 256 + 44.
  struct BlockSplit {
    let total: Int, count: Int, size: Int
    init(total: Int, maximum: Int, multiple: Int) {
      self.total = total
      count = max(1, (total + maximum - 1) / maximum)
      let even = (total + count - 1) / count
      size = (even + multiple - 1) / multiple * multiple
    }
    @inline(__always) func start(_ index: Int) -> Int { index * size }
    @inline(__always) func length(_ index: Int) -> Int { min(size, total - index * size) }
  }
}

extension GEMM {
  /// Register tile: rows of A and columns of B per micro-kernel call.
  @inline(__always) static var mr: Int { 6 }
  @inline(__always) static var nr: Int { 32 }

  /// Runs body(0..<count) concurrently, body(0) on the calling thread, and waits. Uses the
  /// warm GEMM helpers when free, else concurrentPerform.
  static func parallel(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
      body(0)
      return
    }
    if GEMMWorkers.shared.run(count, body) { return }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedSendableBox(body)
      DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
  }

  /// Runs body(block) for every block in 0..<blocks on up to `threads` threads, which take
  /// blocks in order from a shared counter, so a thread that starts late just takes fewer.
  static func parallelBlocks(_ blocks: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = min(threads, blocks)
    if workers <= 1 {
      for block in 0..<blocks { body(block) }
      return
    }
    let counter = BlockCounter()
    parallel(workers) { _ in
      while true {
        let block = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue
        if block >= blocks { return }
        body(block)
      }
    }
  }
}

extension GEMM {
  final class BlockCounter: Sendable {
    let next = Atomic<Int>(0)
  }
}
