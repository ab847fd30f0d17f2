/// The distance kernels over `HalfPrecisionRows` (Float16, rows padded to a multiple of 16
/// columns): each 16 columns are widened to Float32 (one `vcvtph2ps` from memory) and summed
/// by 16-lane fused multiply-adds in two accumulators (even and odd groups of 16 columns). The
/// four-row form does the same operations in the same order per pair: the same bits.
extension NeighbourDistance {
  typealias W = SIMD8<Float>

  /// 8 Float16 values widened. Element by element, which the compiler turns into one
  /// `vcvtph2ps`; `SIMD8<Float>(SIMD8<Float16>)` is an opaque call in the standard library.
  @inline(__always)
  static func widen(_ p: UnsafePointer<Float16>) -> W {
    let h = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float16>.self)
    var w = W()
    for i in 0..<8 { w[i] = Float(h[i]) }
    return w
  }

  /// The lanes' sum (halves added, then the 8-lane sum): `SIMD16.sum()` is an opaque generic
  /// call in the standard library (a fifth of the rounds' time when called per pair).
  @inline(__always)
  static func total(_ v: W) -> Float {
    v.sum()
  }

  /// The squared distance of two rows of `stride` (a multiple of 16) Float16 columns.
  @inline(__always)
  static func squared(
    _ a: UnsafePointer<Float16>, _ b: UnsafePointer<Float16>, stride n: Int
  ) -> Float {
    var (even, odd) = (W(), W())
    var t = 0
    while t + 16 <= n {
      let d0 = widen(a + t) - widen(b + t)
      let d1 = widen(a + t + 8) - widen(b + t + 8)
      even.addProduct(d0, d0)
      odd.addProduct(d1, d1)
      t += 16
    }
    return total(even + odd)
  }

  /// `squared(a, b_i, stride:)` for four rows b_i at once (the same bits), loading a once.
  @inline(__always)
  static func squared(
    _ a: UnsafePointer<Float16>, _ b0: UnsafePointer<Float16>, _ b1: UnsafePointer<Float16>,
    _ b2: UnsafePointer<Float16>, _ b3: UnsafePointer<Float16>, stride n: Int
  ) -> SIMD4<Float> {
    var (even0, odd0, even1, odd1) = (W(), W(), W(), W())
    var (even2, odd2, even3, odd3) = (W(), W(), W(), W())
    var t = 0
    while t + 16 <= n {
      let (x0, x1) = (widen(a + t), widen(a + t + 8))
      @inline(__always) func add(_ b: UnsafePointer<Float16>, _ even: inout W, _ odd: inout W) {
        let (d0, d1) = (x0 - widen(b + t), x1 - widen(b + t + 8))
        even.addProduct(d0, d0)
        odd.addProduct(d1, d1)
      }
      add(b0, &even0, &odd0)
      add(b1, &even1, &odd1)
      add(b2, &even2, &odd2)
      add(b3, &even3, &odd3)
      t += 16
    }
    return SIMD4(
      total(even0 + odd0), total(even1 + odd1), total(even2 + odd2), total(even3 + odd3))
  }
}
