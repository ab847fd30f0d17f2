import Tensor

/// The points' Lagrange weights on the interpolation grid (`InterpolationGrid.locate`), eight
/// points at a time, and the products of a point's weights with themselves that its own pair
/// needs (`autocorrelation`).
extension InterpolationGrid {
  /// Each point's box and its Lagrange weights at the box's nodes (t + 1/2) / p: whole groups
  /// of eight points in SIMD lanes, the rest one by one, with the same operations in the same
  /// order, so the weights do not depend on where a thread's range starts.
  ///
  /// Why eight at a time: one point's weights are a chain of 3p dependent scalar products per
  /// axis; across eight points they are the same chain on vectors (tested equal to the scalar
  /// weights, `InterpolationWeightsTests`).
  func locate(xs: UnsafePointer<Float>, ys: UnsafePointer<Float>) {
    let p = nodesPerBox
    let lanes = Self.lanes
    let inverse = Self.inverseDenominators[p]
    let groups = count / lanes
    Parallel.forChunks(count: groups, minimumPerThread: 128) { range in
      for group in range {
        let i = group * lanes
        let record = weights + 2 * lanes * i
        let boxX = Self.weights(
          atEight: UnsafeRawPointer(xs + i).loadUnaligned(as: Lanes.self), origin: origin,
          boxWidth: boxWidth, boxCount: boxCount, p: p, inverse: inverse, into: record,
          stride: 2 * lanes)
        let boxY = Self.weights(
          atEight: UnsafeRawPointer(ys + i).loadUnaligned(as: Lanes.self), origin: origin,
          boxWidth: boxWidth, boxCount: boxCount, p: p, inverse: inverse, into: record + lanes,
          stride: 2 * lanes)
        for lane in 0..<lanes {
          cells[2 * (i + lane)] = boxX[lane]
          cells[2 * (i + lane) + 1] = boxY[lane]
        }
      }
    }
    for i in (groups * lanes)..<count {
      let (wx, wy) = (weights + 2 * lanes * i, weights + 2 * lanes * i + lanes)
      cells[2 * i] = Int32(
        Self.weights(
          at: xs[i], origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p,
          inverse: inverse, into: wx))
      cells[2 * i + 1] = Int32(
        Self.weights(
          at: ys[i], origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p,
          inverse: inverse, into: wy))
      for t in p..<lanes {
        wx[t] = 0
        wy[t] = 0
      }
    }
  }

  /// Weights per axis and point in `weights`: the most nodes per box (`SIMD8`).
  static let lanes = 8
  typealias Lanes = SIMD8<Float>

  /// The p Lagrange weights of `value` at the nodes of its box (clamped into the grid); returns
  /// the index of the box's first node.
  @inline(__always)
  static func weights(
    at value: Float, origin: Float, boxWidth: Float, boxCount: Int, p: Int,
    into output: UnsafeMutablePointer<Float>
  ) -> Int {
    weights(
      at: value, origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p,
      inverse: inverseDenominators[p], into: output)
  }

  /// The same with p's row of `inverseDenominators` given (taken once per loop, not per point).
  @inline(__always)
  static func weights(
    at value: Float, origin: Float, boxWidth: Float, boxCount: Int, p: Int, inverse: Lanes,
    into output: UnsafeMutablePointer<Float>
  ) -> Int {
    let scaled = min(max((value - origin) / boxWidth, 0), Float(boxCount))
    let box = min(boxCount - 1, Int(scaled))
    // In node spacings from the first node: nodes at 0, 1, ..., p - 1, so weight t is
    // prod_{s != t} (u - s) / prod_{s != t} (t - s), the products of the other factors before
    // and after t (2p multiplications and p divisions instead of p^2 divisions).
    let u = (scaled - Float(box)) * Float(p) - 0.5
    var before: Float = 1
    for t in 0..<p {
      output[t] = before
      before *= u - Float(t)
    }
    var after: Float = 1
    for t in stride(from: p - 1, through: 0, by: -1) {
      output[t] *= after * inverse[t]
      after *= u - Float(t)
    }
    return box * p
  }

  /// The weights of eight values, lane by lane the operations of `weights(at:)`: value k's
  /// eight weights (zeros past p) at `output + k * stride`; returns each box's first node.
  @inline(__always)
  static func weights(
    atEight values: Lanes, origin: Float, boxWidth: Float, boxCount: Int, p: Int,
    inverse: Lanes, into output: UnsafeMutablePointer<Float>, stride: Int
  ) -> SIMD8<Int32> {
    var scaled = (values - origin) / boxWidth
    scaled = scaled.replacing(with: 0, where: .!(scaled .>= 0))
    scaled = scaled.replacing(with: Float(boxCount), where: scaled .> Float(boxCount))
    let box = truncated(scaled).replacing(
      with: Float(boxCount - 1), where: scaled .>= Float(boxCount - 1))
    let u = (scaled - box) * Float(p) - 0.5
    // Row t: weight t of the eight values (zeros past p).
    var rows = (Lanes(), Lanes(), Lanes(), Lanes(), Lanes(), Lanes(), Lanes(), Lanes())
    withUnsafeMutableBytes(of: &rows) { raw in
      let row = raw.baseAddress!.assumingMemoryBound(to: Lanes.self)
      var before = Lanes(repeating: 1)
      for t in 0..<p {
        row[t] = before
        before *= u - Float(t)
      }
      var after = Lanes(repeating: 1)
      for t in Swift.stride(from: p - 1, through: 0, by: -1) {
        row[t] *= after * inverse[t]
        after *= u - Float(t)
      }
    }
    let columns = transposed(rows)
    withUnsafeBytes(of: columns) { raw in
      let column = raw.baseAddress!.assumingMemoryBound(to: Lanes.self)
      for k in 0..<lanes { store(column[k], output + k * stride) }
    }
    return wholeNumbers(box) &* Int32(p)
  }

  /// 2^23: adding it to a float in [0, 2^23) leaves the float's integer part in the low bits.
  private static let integerShift: Float = 8_388_608

  /// The integer part of values in [0, 2^23), as floats: the vector form of Int(value) (the
  /// stdlib's SIMD conversion to integers goes lane by lane through a generic function, 7% of a
  /// million-point iteration when first tried).
  @inline(__always)
  static func truncated(_ values: Lanes) -> Lanes {
    let nearest = (values + integerShift) - integerShift
    return nearest.replacing(with: nearest - 1, where: nearest .> values)
  }

  /// Whole numbers in [0, 2^23) held as floats, as integers: the low bits of value + 2^23.
  @inline(__always)
  static func wholeNumbers(_ values: Lanes) -> SIMD8<Int32> {
    let bits = unsafeBitCast(values + integerShift, to: SIMD8<Int32>.self)
    return bits &- Int32(bitPattern: integerShift.bitPattern)
  }

  typealias Square = (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes)

  /// The 8 x 8 transpose by three perfect unshuffles: taking the even then the odd elements of
  /// the 64 (row-major) rotates each element's index bits by one, three times swaps the row
  /// and column bits.
  @inline(__always)
  static func transposed(_ square: Square) -> Square {
    @inline(__always) func unshuffle(_ m: Square) -> Square {
      let (a, b, c, d) = (
        SIMD16(lowHalf: m.0, highHalf: m.1), SIMD16(lowHalf: m.2, highHalf: m.3),
        SIMD16(lowHalf: m.4, highHalf: m.5), SIMD16(lowHalf: m.6, highHalf: m.7)
      )
      return (
        a.evenHalf, b.evenHalf, c.evenHalf, d.evenHalf, a.oddHalf, b.oddHalf, c.oddHalf,
        d.oddHalf
      )
    }
    return unshuffle(unshuffle(unshuffle(square)))
  }

  /// Per node count p (up to `lanes`): 1 / prod_{s != t} (t - s) = (-1)^(p - 1 - t) /
  /// (t! (p - 1 - t)!) for each node t, the Lagrange weights' constant factors.
  ///
  /// Why a table: computed per point (factorial loops and a division per node), they were most
  /// of `locate`, itself 15% of a million-point iteration.
  static let inverseDenominators: [Lanes] = (0...lanes).map { p in
    var result = Lanes()
    for t in 0..<p {
      var denominator: Double = (p - 1 - t) % 2 == 0 ? 1 : -1
      for k in Swift.stride(from: 2, through: t, by: 1) { denominator *= Double(k) }
      for k in Swift.stride(from: 2, through: p - 1 - t, by: 1) { denominator *= Double(k) }
      result[t] = Float(1 / denominator)
    }
    return result
  }

  /// c_d = sum_t w_t w_{t+d} for d = 0...7 of one axis's weights, read at `w` (8 floats, zeros
  /// past `nodes`, and at least 7 more readable floats after them): the weight with which a
  /// point's charge meets itself at offsets +d and -d along that axis.
  ///
  /// Why in registers: summed into memory by offset (2 p^2 scalar read-modify-writes per
  /// point) it was about 40% of `readForces` at 50,000 and at 1,000,000 points. Why from
  /// memory: the weights shifted by t are one unaligned load with the lanes past 8 - t masked
  /// off, where building each shifted vector from lanes cost a chain of inserts (the larger
  /// part of `readForces` at a million points); terms t >= nodes are zero and skipped.
  @inline(__always)
  static func autocorrelation(_ w: UnsafePointer<Float>, nodes p: Int) -> Lanes {
    let lane = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
    var c = Lanes()
    for t in 0..<p {
      // All ones in the lanes d < 8 - t (sign of d + t - 8), zero in the others.
      let keep = unsafeBitCast((lane &+ Int32(t) &- 8) &>> 31, to: SIMD8<UInt32>.self)
      let shifted = unsafeBitCast(load(w + t), to: SIMD8<UInt32>.self) & keep
      c += w[t] * unsafeBitCast(shifted, to: Lanes.self)
    }
    return c
  }
}
