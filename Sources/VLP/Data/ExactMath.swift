import Tensor

/// Functions the scene world needs beyond `DeterministicMath.log`, built from IEEE-exact
/// operations only: libm's `exp` may differ by an ulp between platforms, and the world's
/// exported bytes must not.
enum ExactMath {
  private static let ln2High = 0.693_147_180_369_123_816_49
  private static let ln2Low = 1.908_214_929_270_587_700_02e-10

  /// e^x, accurate to a few ulp. Range reduction x = k ln 2 + r with |r| <= ln 2 / 2, then a
  /// Taylor series for e^r (14 terms reach double precision) and an exact scaling by 2^k.
  static func exp(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 709 { return .infinity }
    if x < -745 { return 0 }
    let k = (x / 0.693_147_180_559_945_3).rounded()
    let r = (x - k * ln2High) - k * ln2Low
    var term = 1.0
    var sum = 1.0
    for n in 1...14 {
      term *= r / Double(n)
      sum += term
    }
    return Double(sign: .plus, exponent: Int(k), significand: sum)
  }

  /// x^y for x > 0.
  static func pow(_ x: Double, _ y: Double) -> Double {
    exp(y * DeterministicMath.log(x))
  }

  /// Numerically stable softmax, computed in Double and rounded once to Float.
  static func softmax(_ logits: [Double]) -> [Float] {
    let maximum = logits.max() ?? 0
    let exponentials = logits.map { exp($0 - maximum) }
    let total = exponentials.reduce(0, +)
    return exponentials.map { Float($0 / total) }
  }

  /// A SplitMix64 finalizer: turns (seed, stream, index) into a seed whose generator is
  /// independent of its neighbours'. (Seeding `RandomGenerator` with `seed + index` would not
  /// be: its SplitMix seeding would hand consecutive seeds overlapping states.)
  static func mixSeed(_ seed: UInt64, stream: UInt64, index: Int) -> UInt64 {
    var z = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
    z = finalize(z &+ 0x9E37_79B9_7F4A_7C15)
    z = finalize(z ^ (UInt64(truncatingIfNeeded: index) &+ 0x9E37_79B9_7F4A_7C15))
    return z
  }

  private static func finalize(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
