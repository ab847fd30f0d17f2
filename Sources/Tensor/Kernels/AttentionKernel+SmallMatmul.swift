/// The small matrix products inside one (batch, head) pair of the fused attention kernel
/// (Q Kᵀ, P V and their gradients), on zero-padded scratch buffers: faster than GEMM calls at
/// these sizes (tens of rows and columns), with the same one-thread, fixed-order sums.
extension AttentionKernel {
  /// C = alpha op(A) B for the small matrices of one pair. op(A) is m x k with element (i, p) at
  /// a[i * rowStride + p * columnStride], so A^T needs no copy; B is k x n row-major with leading
  /// dimension ldb; n is a multiple of 16. Tiles of 6 rows x 32 columns keep 12 SIMD16
  /// accumulators in registers (AVX-512 has 32) and load 2 vectors of B per 12 FMAs. A last tile
  /// with fewer than 6 rows repeats the last row, storing the same bits twice, instead of
  /// needing kernels for 1 to 5 rows. Each element is one dot product in order p = 0..<k.
  static func multiply(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
    b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float
  ) {
    guard m > 0, n > 0 else { return }
    let last = m - 1
    var i = 0
    while i < m {
      let rows = (
        i, min(i + 1, last), min(i + 2, last), min(i + 3, last), min(i + 4, last), min(i + 5, last)
      )
      var j = 0
      while j + 32 <= n {
        tile32(
          rows, column: j, k: k, a: a, rowStride: rowStride, columnStride: columnStride, b: b,
          ldb: ldb, c: c, ldc: ldc, alpha: alpha)
        j += 32
      }
      if j < n {
        tile16(
          rows, column: j, k: k, a: a, rowStride: rowStride, columnStride: columnStride, b: b,
          ldb: ldb, c: c, ldc: ldc, alpha: alpha)
      }
      i += 6
    }
  }

  /// One 6 x 32 tile of `multiply`: rows r of op(A), columns j..<j+32 of B and C.
  @inline(__always)
  private static func tile32(
    _ r: (Int, Int, Int, Int, Int, Int), column j: Int, k: Int, a: UnsafePointer<Float>,
    rowStride: Int, columnStride: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float
  ) {
    let (a0, a1, a2) = (a + r.0 * rowStride, a + r.1 * rowStride, a + r.2 * rowStride)
    let (a3, a4, a5) = (a + r.3 * rowStride, a + r.4 * rowStride, a + r.5 * rowStride)
    let zero = Vector(repeating: 0)
    var (c00, c01, c10, c11, c20, c21) = (zero, zero, zero, zero, zero, zero)
    var (c30, c31, c40, c41, c50, c51) = (zero, zero, zero, zero, zero, zero)
    var (bp, offset) = (b + j, 0)
    for _ in 0..<k {
      let (b0, b1) = (load(bp), load(bp + 16))
      var x = Vector(repeating: a0[offset])
      (c00, c01) = (c00.addingProduct(x, b0), c01.addingProduct(x, b1))
      x = Vector(repeating: a1[offset])
      (c10, c11) = (c10.addingProduct(x, b0), c11.addingProduct(x, b1))
      x = Vector(repeating: a2[offset])
      (c20, c21) = (c20.addingProduct(x, b0), c21.addingProduct(x, b1))
      x = Vector(repeating: a3[offset])
      (c30, c31) = (c30.addingProduct(x, b0), c31.addingProduct(x, b1))
      x = Vector(repeating: a4[offset])
      (c40, c41) = (c40.addingProduct(x, b0), c41.addingProduct(x, b1))
      x = Vector(repeating: a5[offset])
      (c50, c51) = (c50.addingProduct(x, b0), c51.addingProduct(x, b1))
      bp += ldb
      offset &+= columnStride
    }
    let scale = Vector(repeating: alpha)
    @inline(__always) func put(_ row: Int, _ first: Vector, _ second: Vector) {
      store(first * scale, c + row * ldc + j)
      store(second * scale, c + row * ldc + j + 16)
    }
    put(r.0, c00, c01)
    put(r.1, c10, c11)
    put(r.2, c20, c21)
    put(r.3, c30, c31)
    put(r.4, c40, c41)
    put(r.5, c50, c51)
  }

  /// One 6 x 16 tile of `multiply`: rows r of op(A), columns j..<j+16 of B and C.
  @inline(__always)
  private static func tile16(
    _ r: (Int, Int, Int, Int, Int, Int), column j: Int, k: Int, a: UnsafePointer<Float>,
    rowStride: Int, columnStride: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float
  ) {
    let (a0, a1, a2) = (a + r.0 * rowStride, a + r.1 * rowStride, a + r.2 * rowStride)
    let (a3, a4, a5) = (a + r.3 * rowStride, a + r.4 * rowStride, a + r.5 * rowStride)
    let zero = Vector(repeating: 0)
    var (c0, c1, c2, c3, c4, c5) = (zero, zero, zero, zero, zero, zero)
    var (bp, offset) = (b + j, 0)
    for _ in 0..<k {
      let b0 = load(bp)
      c0 = c0.addingProduct(Vector(repeating: a0[offset]), b0)
      c1 = c1.addingProduct(Vector(repeating: a1[offset]), b0)
      c2 = c2.addingProduct(Vector(repeating: a2[offset]), b0)
      c3 = c3.addingProduct(Vector(repeating: a3[offset]), b0)
      c4 = c4.addingProduct(Vector(repeating: a4[offset]), b0)
      c5 = c5.addingProduct(Vector(repeating: a5[offset]), b0)
      bp += ldb
      offset &+= columnStride
    }
    let scale = Vector(repeating: alpha)
    @inline(__always) func put(_ row: Int, _ sum: Vector) { store(sum * scale, c + row * ldc + j) }
    put(r.0, c0)
    put(r.1, c1)
    put(r.2, c2)
    put(r.3, c3)
    put(r.4, c4)
    put(r.5, c5)
  }

  // MARK: Packing

  /// dst (rows x stride) = src (rows x columns, rows `sourceStride` apart), zero-filled beyond
  /// `columns`.
  static func pack(
    _ src: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into dst: UnsafeMutablePointer<Float>, stride: Int
  ) {
    for r in 0..<rows {
      (dst + r * stride).update(from: src + r * sourceStride, count: columns)
      (dst + r * stride + columns).update(repeating: 0, count: stride - columns)
    }
  }

  /// dst (columns x stride) = src^T for src (rows x columns, rows `sourceStride` apart), zero
  /// beyond `rows`.
  static func packTransposed(
    _ src: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into dst: UnsafeMutablePointer<Float>, stride: Int
  ) {
    for c in 0..<columns {
      let out = dst + c * stride
      for r in 0..<rows { out[r] = src[r * sourceStride + c] }
      (out + rows).update(repeating: 0, count: stride - rows)
    }
  }

  /// dst (rows x columns, rows `destinationStride` apart) = or += src (rows x stride).
  static func unpack(
    _ src: UnsafePointer<Float>, stride: Int, rows: Int, columns: Int,
    into dst: UnsafeMutablePointer<Float>, destinationStride: Int, accumulate: Bool
  ) {
    for r in 0..<rows {
      let (from, to) = (src + r * stride, dst + r * destinationStride)
      if accumulate {
        for c in 0..<columns { to[c] += from[c] }
      } else {
        to.update(from: from, count: columns)
      }
    }
  }

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always)
  static func load(_ p: UnsafeMutablePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always)
  static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }
}
