/// The Student-t (Cauchy) kernel w = 1 / (1 + d^2) of 2-D t-SNE, 16 lanes at a time.
///
/// A plain vector division: a reciprocal estimate refined by three Newton steps was tried and
/// measured 6% slower overall (without -Ounchecked the steps are separate multiplies and adds,
/// twelve instructions against one divide that overlaps with the rest of the loop).
enum StudentKernel {
  typealias Vector = SIMD16<Float>

  @inline(__always)
  static func weight(squaredDistance d2: Vector) -> Vector {
    let one = Vector(repeating: 1)
    return one / (one + d2)
  }
}
