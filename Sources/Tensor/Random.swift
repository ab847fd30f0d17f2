/// Seeded random numbers that are identical on every platform: xoshiro256** seeded through
/// SplitMix64, integer-exact conversions to floats, and normal deviates by Marsaglia's polar
/// method using only IEEE-exact operations and `DeterministicMath.log` (no libm), so a seed
/// gives the same stream on Linux, macOS and any CPU.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64
  private var spareNormal: Double?

  public init(seed: UInt64) {
    var mixer = seed
    s0 = RandomGenerator.splitMix(&mixer)
    s1 = RandomGenerator.splitMix(&mixer)
    s2 = RandomGenerator.splitMix(&mixer)
    s3 = RandomGenerator.splitMix(&mixer)
    spareNormal = nil
  }

  /// The complete state as text (`xoshiro256**:s0,s1,s2,s3[,spare]`), for checkpoints:
  /// a generator restored from it continues the same stream.
  public var serialized: String {
    var fields = [s0, s1, s2, s3].map { String($0) }
    if let spareNormal { fields.append(String(spareNormal.bitPattern)) }
    return "xoshiro256**:" + fields.joined(separator: ",")
  }

  public init?(serialized: String) {
    guard serialized.hasPrefix("xoshiro256**:") else { return nil }
    let fields = serialized.dropFirst("xoshiro256**:".count).split(separator: ",").map { UInt64($0) }
    guard fields.count == 4 || fields.count == 5, fields.allSatisfy({ $0 != nil }) else { return nil }
    (s0, s1, s2, s3) = (fields[0]!, fields[1]!, fields[2]!, fields[3]!)
    guard s0 | s1 | s2 | s3 != 0 else { return nil }  // the all-zero state never leaves zero
    spareNormal = fields.count == 5 ? Double(bitPattern: fields[4]!) : nil
  }

  private static func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// An independent stream derived from this one (for dropout, data order, ... of one run).
  public mutating func fork() -> RandomGenerator {
    RandomGenerator(seed: next())
  }

  /// Uniform in [0, 1) with 24 random bits.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// Uniform in [0, 1) with 53 random bits.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// Uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject).
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold { product = next().multipliedFullWidth(by: range) }
    }
    return Int(product.high)
  }

  /// Standard normal deviate (mean 0, variance 1).
  public mutating func nextNormal() -> Double {
    if let spare = spareNormal {
      spareNormal = nil
      return spare
    }
    while true {
      let u = 2 * nextDouble() - 1
      let v = 2 * nextDouble() - 1
      let s = u * u + v * v
      if s > 0, s < 1 {
        let factor = (-2 * DeterministicMath.log(s) / s).squareRoot()
        spareNormal = v * factor
        return u * factor
      }
    }
  }

  /// Fisher-Yates shuffle with this generator (the stdlib's algorithm may change between releases).
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      array.swapAt(i, nextInt(below: i + 1))
    }
  }
}

/// Elementary functions built from IEEE-exact operations only, so their results do not depend on
/// the platform's libm. Used where bit-identical results across platforms matter (random numbers).
public enum DeterministicMath {
  /// Natural logarithm for positive finite x, accurate to about 1 ulp in Double.
  public static func log(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "log of \(x)")
    // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m - 1) / (m + 1).
    var exponent = Double(x.exponent)
    var mantissa = x.significand  // [1, 2)
    if mantissa > 1.4142135623730951 {
      mantissa *= 0.5
      exponent += 1
    }
    let s = (mantissa - 1) / (mantissa + 1)
    let s2 = s * s
    // |s| <= 0.1716, s^2 <= 0.0295: 12 odd terms reach double precision.
    var term = s
    var sum = 0.0
    var k = 1.0
    for _ in 0..<12 {
      sum += term / k
      term *= s2
      k += 2
    }
    return exponent * 0.6931471805599453 + 2 * sum
  }
}
