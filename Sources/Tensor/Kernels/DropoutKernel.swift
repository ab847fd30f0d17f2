/// Counter-based inverted-dropout masks: whether element i of a mask is dropped is a hash of
/// (key, i) alone. Any range of a mask can be computed by any thread, sixteen lanes at a time,
/// and the backward recomputes it from the key instead of storing it or stepping a generator
/// through every element (a serial chain of about 2 ns per draw, 7% of a bench-small step).
///
/// The hash is two rounds of a 32-bit multiply-xorshift finaliser (Wellons' "lowbias32" with
/// TheIronBorn's constants, found by searching for the lowest avalanche bias), the key's low
/// word added before the first round and its high word xored in before the second. A round is
/// a bijection of 32-bit words, so one key gives each of 2^32 indices its own hash. An element
/// is dropped when the hash's top 24 bits, read as u in [0, 1), fall below p, the same
/// test as `nextFloat() < p`; kept elements are scaled by 1 / (1 - p).
public struct DropoutMask: Sendable, Equatable {
  public typealias Vector = VectorMath.Vector
  typealias Words = SIMD16<UInt32>

  public let key: UInt64
  public let probability: Float
  /// 1 / (1 - p): the scale of a kept element.
  public let keptScale: Float
  /// ceil(p 2^24): u 2^24 < p 2^24 exactly when the integer u 2^24 is below its ceiling.
  let threshold: UInt32

  /// The most elements a mask covers: indices are 32-bit words.
  public static let maximumCount = 1 << 32

  public init(key: UInt64, probability: Float) {
    precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
    self.key = key
    self.probability = probability
    keptScale = 1 / (1 - probability)
    threshold = UInt32((Double(probability) * 0x1p24).rounded(.up))
  }

  @_transparent
  static func round(_ x: Words) -> Words {
    var x = x
    x ^= x &>> 16
    x &*= 0x21F0_AAAD
    x ^= x &>> 15
    x &*= 0x735A_2D97
    x ^= x &>> 15
    return x
  }

  @_transparent
  func hash(_ index: Words) -> Words {
    let low = UInt32(truncatingIfNeeded: key)
    let high = UInt32(truncatingIfNeeded: key >> 32)
    return Self.round(Self.round(index &+ low) ^ high)
  }

  /// The scales of the sixteen elements first, first + 1, ... (indices wrap at 2^32).
  @_transparent
  func scales(from first: Int) -> Vector {
    let lanes = Words(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    let u = hash(Words(repeating: UInt32(truncatingIfNeeded: first)) &+ lanes) &>> 8
    // u < threshold without a lane mask (Swift lowers this one lane at a time): both are below
    // 2^24, so u - threshold wraps to a set top bit exactly when u is below.
    let kept = ((u &- threshold) &>> 31) &- 1
    return unsafeBitCast(kept & keptScale.bitPattern, to: Vector.self)
  }

  /// The scale of element `index`: 0 or 1 / (1 - p). The reference the vector paths match.
  public func scale(at index: Int) -> Float {
    scales(from: index)[0]
  }

  /// y[i] = x[i] * scale(first + i) for i in 0..<count (x and y may be the same buffer).
  public func apply(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, first: Int, count: Int
  ) {
    SoftmaxKernel.forEachBlock(count) { i, width in
      let v = SoftmaxKernel.load(x + i, width, padding: 0) * scales(from: first + i)
      SoftmaxKernel.store(v, y + i, width)
    }
  }

  /// gx[i] += g[i] * scale(first + i) for i in 0..<count: the pullback of `apply`.
  public func accumulate(
    _ g: UnsafePointer<Float>, into gx: UnsafeMutablePointer<Float>, first: Int, count: Int
  ) {
    SoftmaxKernel.forEachBlock(count) { i, width in
      let sum = SoftmaxKernel.load(gx + i, width, padding: 0)
        .addingProduct(SoftmaxKernel.load(g + i, width, padding: 0), scales(from: first + i))
      SoftmaxKernel.store(sum, gx + i, width)
    }
  }

  /// m[i] = scale(first + i) for i in 0..<count.
  public func write(into m: UnsafeMutablePointer<Float>, first: Int, count: Int) {
    SoftmaxKernel.forEachBlock(count) { i, width in
      SoftmaxKernel.store(scales(from: first + i), m + i, width)
    }
  }
}
