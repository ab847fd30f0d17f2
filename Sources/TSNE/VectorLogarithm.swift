/// The natural logarithm of eight floats at once, for the KL divergence's log(1 + d^2) terms.
///
/// Why not `Foundation.log1p`: the KL check reads every entry of P (about 120 per point) and
/// the scalar Double logarithm cost 20 ns each, 5% of a 50,000-point run's CPU and tens of
/// seconds at a million points. This is Cephes' `logf` (S. L. Moshier): x = m 2^e with m in
/// [sqrt(1/2), sqrt(2)), log(m) by a degree-9 polynomial in m - 1; within 2 ulp of the exact
/// value for normal positive x (checked against `Foundation.log` in `VectorLogarithmTests`).
enum VectorLogarithm {
  typealias Vector = SIMD8<Float>

  /// log(x) for positive, finite, normal x in every lane (t-SNE's x = 1 + d^2 >= 1).
  @inline(__always)
  static func log(_ x: Vector) -> Vector {
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    // Mantissa in [1/2, 1) and the matching exponent (frexp).
    var exponent = Vector(SIMD8<Int32>(truncatingIfNeeded: (bits &>> 23) & 0xFF) &- 126)
    var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: Vector.self)
    let small = m .< Vector(repeating: 0.707106781186547524)
    exponent = exponent.replacing(with: exponent - 1, where: small)
    m = m.replacing(with: m + m, where: small)
    let f = m - 1
    let z = f * f
    var p = Vector(repeating: 7.0376836292e-2)
    p = p * f + -1.1514610310e-1
    p = p * f + 1.1676998740e-1
    p = p * f + -1.2420140846e-1
    p = p * f + 1.4249322787e-1
    p = p * f + -1.6668057665e-1
    p = p * f + 2.0000714765e-1
    p = p * f + -2.4999993993e-1
    p = p * f + 3.3333331174e-1
    var y = f * z * p
    y += -2.12194440e-4 * exponent
    y += -0.5 * z
    return f + y + 0.693359375 * exponent
  }
}
