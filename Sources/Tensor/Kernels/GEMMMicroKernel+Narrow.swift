// The micro-kernel for machines without AVX-512: a 6 x 16 tile in twelve SIMD8<Float>
// accumulators (12 of the 16 ymm registers, plus two B vectors and one broadcast), the classic
// Haswell shape. It reads the same packed 32-column B panels as the wide kernel, one 16-column
// half at a time, so packing does not change.

#if !VLP_AVX512
extension GEMM {
  typealias V8 = SIMD8<Float>

  /// C[0..<rows, 0..<cols] (cols <= 16) = alpha * sum (+ C when `load`), B(p, j) = b[p * 32 + j].
  @inline(__always)
  static func narrowTile(
    kc: Int, a: UnsafePointer<Float>,
    o1: Int, o2: Int, o3: Int, o4: Int, o5: Int, csA: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, load: Bool
  ) {
    var c00 = V8(), c01 = V8(), c10 = V8(), c11 = V8(), c20 = V8(), c21 = V8()
    var c30 = V8(), c31 = V8(), c40 = V8(), c41 = V8(), c50 = V8(), c51 = V8()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<kc {
      let b0 = pb.loadUnaligned(as: V8.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 32, as: V8.self)
      var x = V8(repeating: pa[0])
      c00.addProduct(x, b0)
      c01.addProduct(x, b1)
      x = V8(repeating: pa[o1])
      c10.addProduct(x, b0)
      c11.addProduct(x, b1)
      x = V8(repeating: pa[o2])
      c20.addProduct(x, b0)
      c21.addProduct(x, b1)
      x = V8(repeating: pa[o3])
      c30.addProduct(x, b0)
      c31.addProduct(x, b1)
      x = V8(repeating: pa[o4])
      c40.addProduct(x, b0)
      c41.addProduct(x, b1)
      x = V8(repeating: pa[o5])
      c50.addProduct(x, b0)
      c51.addProduct(x, b1)
      pa += csA
      pb += 128
    }
    let va = V8(repeating: alpha)
    narrowStore(c, c00, c01, cols, va, load)
    if rows > 1 { narrowStore(c + ldc, c10, c11, cols, va, load) }
    if rows > 2 { narrowStore(c + 2 * ldc, c20, c21, cols, va, load) }
    if rows > 3 { narrowStore(c + 3 * ldc, c30, c31, cols, va, load) }
    if rows > 4 { narrowStore(c + 4 * ldc, c40, c41, cols, va, load) }
    if rows > 5 { narrowStore(c + 5 * ldc, c50, c51, cols, va, load) }
  }

  /// One row of a 16-column half into C, as `store` does for the wide tile: whole 8-column
  /// quarters through vector registers, a ragged rest element by element with the same
  /// fused operation.
  @inline(__always)
  static func narrowStore(
    _ row: UnsafeMutablePointer<Float>, _ x0: V8, _ x1: V8, _ cols: Int, _ alpha: V8, _ load: Bool
  ) {
    let raw = UnsafeMutableRawPointer(row)
    @inline(__always) func part(_ x: V8, _ offset: Int) {
      if load {
        let old = raw.loadUnaligned(fromByteOffset: offset, as: V8.self)
        raw.storeBytes(of: old.addingProduct(alpha, x), toByteOffset: offset, as: V8.self)
      } else {
        raw.storeBytes(of: alpha * x, toByteOffset: offset, as: V8.self)
      }
    }
    if cols >= 8 { part(x0, 0) }
    if cols == 16 { part(x1, 32) }
    if cols & 7 != 0 {
      let rest = cols >= 8 ? x1 : x0
      let first = cols & ~7
      let scale = alpha[0]
      for j in 0..<(cols - first) {
        let value = rest[j]
        row[first + j] = load ? row[first + j].addingProduct(scale, value) : scale * value
      }
    }
  }
}
#endif
