// The register tile: 6 rows x 32 columns of C. With AVX-512 (the Makefile defines VLP_AVX512
// when the build machine has it) that is twelve SIMD16<Float> accumulators (12 of the 32 zmm
// registers), fed per step of k by two 16-wide loads of B and six broadcasts of A: 12 FMAs per
// 8 loads keeps both FMA pipes busy (measured 172 GFLOP/s per core from L1, the VM's FMA peak).
// A 6 x 16 variant serves panels of at most 16 columns (n = 16 heads). Without AVX-512 (AVX2,
// 16 ymm registers; arm64) twelve SIMD16 accumulators would spill, so the tile is computed as
// two 6 x 16 halves of twelve SIMD8<Float> each (GEMMMicroKernel+Narrow.swift). Either way an
// element of C is the same FMA chain in increasing k, so both give the same bits.

extension GEMM {
  typealias V = SIMD16<Float>

  /// C[0..<rows, 0..<cols] = alpha * sum (+ C when `load`); sum over p < kc of A(i, p) B(p, j),
  /// each term added with one FMA in increasing p, from zero. A(i, p) = a[o_i + p * csA]
  /// (o_0 = 0); B(p, j) = b[p * 32 + j], a packed panel. Row offsets past `rows` point at a
  /// readable row: those sums are computed and dropped. `wide` (a constant at every call
  /// site) picks 32 columns, else 16.
  #if VLP_AVX512
  @inline(__always)
  static func tile(
    wide: Bool, kc: Int, a: UnsafePointer<Float>,
    o1: Int, o2: Int, o3: Int, o4: Int, o5: Int, csA: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, load: Bool
  ) {
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<kc {
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = wide ? pb.loadUnaligned(fromByteOffset: 64, as: V.self) : V()
      var x = V(repeating: pa[0])
      c00.addProduct(x, b0)
      if wide { c01.addProduct(x, b1) }
      x = V(repeating: pa[o1])
      c10.addProduct(x, b0)
      if wide { c11.addProduct(x, b1) }
      x = V(repeating: pa[o2])
      c20.addProduct(x, b0)
      if wide { c21.addProduct(x, b1) }
      x = V(repeating: pa[o3])
      c30.addProduct(x, b0)
      if wide { c31.addProduct(x, b1) }
      x = V(repeating: pa[o4])
      c40.addProduct(x, b0)
      if wide { c41.addProduct(x, b1) }
      x = V(repeating: pa[o5])
      c50.addProduct(x, b0)
      if wide { c51.addProduct(x, b1) }
      pa += csA
      pb += 128
    }
    let va = V(repeating: alpha)
    store(c, c00, c01, cols, va, load)
    if rows > 1 { store(c + ldc, c10, c11, cols, va, load) }
    if rows > 2 { store(c + 2 * ldc, c20, c21, cols, va, load) }
    if rows > 3 { store(c + 3 * ldc, c30, c31, cols, va, load) }
    if rows > 4 { store(c + 4 * ldc, c40, c41, cols, va, load) }
    if rows > 5 { store(c + 5 * ldc, c50, c51, cols, va, load) }
  }
  #else
  @inline(__always)
  static func tile(
    wide: Bool, kc: Int, a: UnsafePointer<Float>,
    o1: Int, o2: Int, o3: Int, o4: Int, o5: Int, csA: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, load: Bool
  ) {
    narrowTile(
      kc: kc, a: a, o1: o1, o2: o2, o3: o3, o4: o4, o5: o5, csA: csA, b: b, c: c, ldc: ldc,
      rows: rows, cols: min(cols, 16), alpha: alpha, load: load)
    if wide {
      narrowTile(
        kc: kc, a: a, o1: o1, o2: o2, o3: o3, o4: o4, o5: o5, csA: csA, b: b + 16, c: c + 16,
        ldc: ldc, rows: rows, cols: cols - 16, alpha: alpha, load: load)
    }
  }
  #endif

  /// One row of the tile into C: row = alpha * x (+ row). Whole 16-column halves go through
  /// vector registers; a ragged rest goes element by element with the same fused operation,
  /// so an element's bits do not depend on whether it sits in an edge tile.
  #if VLP_AVX512
  @inline(__always)
  static func store(
    _ row: UnsafeMutablePointer<Float>, _ x0: V, _ x1: V, _ cols: Int, _ alpha: V, _ load: Bool
  ) {
    let raw = UnsafeMutableRawPointer(row)
    @inline(__always) func half(_ x: V, _ offset: Int) {
      if load {
        let old = raw.loadUnaligned(fromByteOffset: offset, as: V.self)
        raw.storeBytes(of: old.addingProduct(alpha, x), toByteOffset: offset, as: V.self)
      } else {
        raw.storeBytes(of: alpha * x, toByteOffset: offset, as: V.self)
      }
    }
    if cols >= 16 { half(x0, 0) }
    if cols == 32 { half(x1, 64) }
    if cols & 15 != 0 {
      let rest = cols >= 16 ? x1 : x0
      let first = cols & ~15
      let scale = alpha[0]
      for j in 0..<(cols - first) {
        let value = rest[j]
        row[first + j] = load ? row[first + j].addingProduct(scale, value) : scale * value
      }
    }
  }
  #endif

  /// Packed A (panels of 6 rows, 6 floats per step of k) times a packed B panel.
  @inline(never)
  static func kernelPacked(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, load: Bool
  ) {
    if cols > 16 {
      tile(wide: true, kc: kc, a: a, o1: 1, o2: 2, o3: 3, o4: 4, o5: 5, csA: 6, b: b,
           c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, load: load)
    } else {
      tile(wide: false, kc: kc, a: a, o1: 1, o2: 2, o3: 3, o4: 4, o5: 5, csA: 6, b: b,
           c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, load: load)
    }
  }

  /// A read in place (A(i, p) = a[i * rsA + p * csA]) times a packed B panel; rows past
  /// `rows` re-read the last valid row, so nothing outside op(A) is touched.
  @inline(never)
  static func kernelStrided(
    kc: Int, a: UnsafePointer<Float>, rsA: Int, csA: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, load: Bool
  ) {
    let last = rows - 1
    let o1 = min(1, last) * rsA, o2 = min(2, last) * rsA, o3 = min(3, last) * rsA
    let o4 = min(4, last) * rsA, o5 = min(5, last) * rsA
    if cols > 16 {
      tile(wide: true, kc: kc, a: a, o1: o1, o2: o2, o3: o3, o4: o4, o5: o5, csA: csA, b: b,
           c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, load: load)
    } else {
      tile(wide: false, kc: kc, a: a, o1: o1, o2: o2, o3: o3, o4: o4, o5: o5, csA: csA, b: b,
           c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, load: load)
    }
  }
}
