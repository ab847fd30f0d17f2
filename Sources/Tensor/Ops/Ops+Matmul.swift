/// Matrix products with optionally transposed operands, never materialising a transpose: the
/// flags go straight to the GEMM kernel, which reads either layout while packing.
///
/// Shapes: `a` is (..., M, K), or (..., K, M) with `transposeA`; `b` is (..., K, N), or
/// (..., N, K) with `transposeB`. A rank-2 operand is shared by every batch element; otherwise
/// the batch dimensions must be equal. The result is (..., M, N).
extension Tensor {
  public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> Tensor {
    try Tensor.matmul(self, other, transposeA: transposeSelf, transposeB: transposeOther)
  }

  public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
    let plan = try MatmulPlan(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
    let output = TensorStorage(count: plan.outputShape.count, zeroed: false)
    plan.forward(a.storage.pointer, b.storage.pointer, output.pointer)
    // Each operand's values are kept only for the other's gradient.
    let (nodeA, nodeB) = (a.gradientNode, b.gradientNode)
    let keptA = b.requiresGrad ? a.storage : nil
    let keptB = a.requiresGrad ? b.storage : nil
    return result("matmul", shape: plan.outputShape, storage: output, inputs: [a, b]) { g in
      if let keptB { plan.gradientA(g, keptB.pointer, nodeA.accumulator()) }
      if let keptA { plan.gradientB(g, keptA.pointer, nodeB.accumulator()) }
    }
  }
}

/// Sizes, strides and the GEMM calls of one (batched) product and its two gradients.
///
/// With A' = op(A) (m x k), B' = op(B) (k x n), C = A'B':
///   dA' = dC B'^T  → stored A: dA = dC op(B)^T, or for transposed A, dA = op(B) dC^T
///   dB' = A'^T dC  → stored B: dB = op(A)^T dC, or for transposed B, dB = dC^T op(A)
struct MatmulPlan {
  let m: Int, n: Int, k: Int
  let batch: Int
  let transposeA: Bool, transposeB: Bool
  let lda: Int, ldb: Int
  /// Elements between consecutive batch matrices, 0 for a shared rank-2 operand.
  let strideA: Int, strideB: Int
  let outputShape: Shape

  init(_ a: Shape, _ b: Shape, transposeA: Bool, transposeB: Bool) throws {
    guard a.rank >= 2, b.rank >= 2 else {
      throw TensorError.shapeMismatch(op: "matmul", detail: "\(a) x \(b): both operands need rank 2 or more")
    }
    let (rowsA, colsA) = (a[a.rank - 2], a[a.rank - 1])
    let (rowsB, colsB) = (b[b.rank - 2], b[b.rank - 1])
    let (m, kA) = transposeA ? (colsA, rowsA) : (rowsA, colsA)
    let (kB, n) = transposeB ? (colsB, rowsB) : (rowsB, colsB)
    let flags = (transposeA ? "ᵀ" : "") + " x " + "\(b)" + (transposeB ? "ᵀ" : "")
    guard kA == kB else {
      throw TensorError.shapeMismatch(op: "matmul", detail: "\(a)\(flags): inner sizes differ")
    }
    let batchA = Array(a.dimensions.dropLast(2))
    let batchB = Array(b.dimensions.dropLast(2))
    guard batchA.isEmpty || batchB.isEmpty || batchA == batchB else {
      throw TensorError.shapeMismatch(op: "matmul", detail: "\(a)\(flags): batch dimensions differ")
    }
    let batchDimensions = batchA.isEmpty ? batchB : batchA
    self.m = m
    self.n = n
    self.k = kA
    self.batch = batchDimensions.reduce(1, *)
    self.transposeA = transposeA
    self.transposeB = transposeB
    lda = colsA
    ldb = colsB
    strideA = batchA.isEmpty ? 0 : rowsA * colsA
    strideB = batchB.isEmpty ? 0 : rowsB * colsB
    outputShape = Shape(batchDimensions + [m, n])
  }

  /// (batch x m) rows against one shared, untransposed-A-compatible B: one big GEMM.
  private var foldsBatchIntoRows: Bool { strideB == 0 && !transposeA && strideA != 0 }

  func forward(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
    if foldsBatchIntoRows {
      GEMM.multiply(
        m: batch * m, n: n, k: k, a: a, lda: lda, transposeA: false,
        b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: n)
      return
    }
    GEMM.multiplyBatched(
      batch: batch, m: m, n: n, k: k, a: a, strideA: strideA, lda: lda, transposeA: transposeA,
      b: b, strideB: strideB, ldb: ldb, transposeB: transposeB, c: c, strideC: m * n, ldc: n)
  }

  /// dA += dC op(B)ᵀ (or dA = with `overwrite`, into an uninitialised buffer: no zero-fill for
  /// a gradient that only this product writes).
  func gradientA(
    _ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ ga: UnsafeMutablePointer<Float>,
    overwrite: Bool = false
  ) {
    if foldsBatchIntoRows || (batch == 1 && !transposeA) {
      GEMM.multiply(
        m: batch * m, n: k, k: n, a: g, lda: n, transposeA: false,
        b: b, ldb: ldb, transposeB: !transposeB, c: ga, ldc: lda, accumulate: !overwrite)
      return
    }
    if overwrite { ga.update(repeating: 0, count: (strideA == 0 ? 1 : batch) * m * k) }
    // dA rows x cols as stored: (m x k), or (k x m) when A is transposed.
    let (rows, cols) = transposeA ? (k, m) : (m, k)
    let product: (_ first: Int, _ count: Int) -> Void
    if transposeA {
      // dA = op(B) dC^T : (k x n)(n x m)
      product = { first, count in
        GEMM.multiplyBatched(
          batch: count, m: rows, n: cols, k: n, a: b + first * strideB, strideA: strideB, lda: ldb,
          transposeA: transposeB, b: g + first * m * n, strideB: m * n, ldb: n, transposeB: true,
          c: ga + first * strideA, strideC: strideA, ldc: lda, accumulate: true)
      }
    } else {
      // dA = dC op(B)^T : (m x n)(n x k)
      product = { first, count in
        GEMM.multiplyBatched(
          batch: count, m: rows, n: cols, k: n, a: g + first * m * n, strideA: m * n, lda: n,
          transposeA: false, b: b + first * strideB, strideB: strideB, ldb: ldb,
          transposeB: !transposeB, c: ga + first * strideA, strideC: strideA, ldc: lda,
          accumulate: true)
      }
    }
    accumulate(shared: strideA == 0, product)
  }

  func gradientB(_ g: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ gb: UnsafeMutablePointer<Float>) {
    if foldsBatchIntoRows {
      if transposeB {
        GEMM.multiply(
          m: n, n: k, k: batch * m, a: g, lda: n, transposeA: true,
          b: a, ldb: lda, transposeB: false, c: gb, ldc: ldb, accumulate: true)
      } else {
        GEMM.multiply(
          m: k, n: n, k: batch * m, a: a, lda: lda, transposeA: true,
          b: g, ldb: n, transposeB: false, c: gb, ldc: ldb, accumulate: true)
      }
      return
    }
    let (rows, cols) = transposeB ? (n, k) : (k, n)
    let product: (_ first: Int, _ count: Int) -> Void
    if transposeB {
      // dB = dC^T op(A) : (n x m)(m x k)
      product = { first, count in
        GEMM.multiplyBatched(
          batch: count, m: rows, n: cols, k: m, a: g + first * m * n, strideA: m * n, lda: n,
          transposeA: true, b: a + first * strideA, strideB: strideA, ldb: lda,
          transposeB: transposeA, c: gb + first * strideB, strideC: strideB, ldc: ldb,
          accumulate: true)
      }
    } else {
      // dB = op(A)^T dC : (k x m)(m x n)
      product = { first, count in
        GEMM.multiplyBatched(
          batch: count, m: rows, n: cols, k: m, a: a + first * strideA, strideA: strideA, lda: lda,
          transposeA: !transposeA, b: g + first * m * n, strideB: m * n, ldb: n, transposeB: false,
          c: gb + first * strideB, strideC: strideB, ldc: ldb, accumulate: true)
      }
    }
    accumulate(shared: strideB == 0, product)
  }

  /// A shared operand's gradient sums over the batch: accumulate one batch element at a time,
  /// in order, so the sum is deterministic and no two threads write the same block. Otherwise
  /// one batched call writes disjoint blocks.
  private func accumulate(shared: Bool, _ product: (_ first: Int, _ count: Int) -> Void) {
    if shared {
      for i in 0..<batch { product(i, 1) }
    } else {
      product(0, batch)
    }
  }
}
