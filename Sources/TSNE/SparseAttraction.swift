/// The attractive half of the t-SNE gradient over the sparse P stored once per pair
/// (`SparseAffinities`), on raw pointers (shared by the Barnes-Hut and the interpolated
/// gradients).
///
/// Row i's pass computes each stored pair's force f = p_ij w_ij (y_i - y_j) once, adds it to
/// i's own sum and subtracts it from j's entry of a scatter buffer. The gradient gives the rows
/// to a fixed number of bands (`TSNEGradient.attractionBands`, a function of N only), each with
/// its own scatter buffer and its rows in order, and adds the buffers in band order: every sum
/// has a fixed order, so the result is the same for any thread count.
struct SparseAttraction {
  /// The positions, (x, y) pairs: a neighbour's two coordinates are one memory access.
  let positions: UnsafePointer<Float>
  let p: SparseAffinities.Buffers
  /// Per point: the sum over the pairs stored in its row.
  let attraction: UnsafeMutablePointer<Float>

  /// Row i: sum_j p_ij w_ij (y_i - y_j) over its stored pairs into `attraction`, and each
  /// pair's force subtracted from `scatter` at j.
  @inline(__always)
  func attract(_ i: Int, scatter: UnsafeMutablePointer<Float>) {
    let centre = UnsafeRawPointer(positions + 2 * i).loadUnaligned(as: SIMD2<Float>.self)
    var sums = SIMD8<Float>()
    var (sumsY, tailX, tailY) = (SIMD8<Float>(), Float(0), Float(0))
    let (columns, values) = (p.columns, p.values)
    var e = Int(p.rowStart[i])
    let upper = Int(p.rowStart[i + 1])
    while e + 8 <= upper {
      let (dx, dy) = Self.differences(positions, centre, columns, e)
      let p = UnsafeRawPointer(values + e).loadUnaligned(as: SIMD8<Float>.self)
      let w = p / (1 + dx * dx + dy * dy)
      let (fx, fy) = (w * dx, w * dy)
      sums += fx
      sumsY += fy
      // The eight forces as (x, y) pairs, each one 8-byte subtraction at its point.
      var pairs = SIMD16<Float>()
      pairs.evenHalf = fx
      pairs.oddHalf = fy
      let bits = unsafeBitCast(pairs, to: SIMD8<UInt64>.self)
      for lane in 0..<8 {
        Self.subtract(bits[lane], at: scatter + 2 * Int(columns[e + lane]))
      }
      e += 8
    }
    while e < upper {
      let j = Int(columns[e])
      let dx = centre.x - positions[2 * j]
      let dy = centre.y - positions[2 * j + 1]
      let w = values[e] / (1 + dx * dx + dy * dy)
      let (fx, fy) = (w * dx, w * dy)
      tailX += fx
      tailY += fy
      scatter[2 * j] -= fx
      scatter[2 * j + 1] -= fy
      e += 1
    }
    attraction[2 * i] = sums.sum() + tailX
    attraction[2 * i + 1] = sumsY.sum() + tailY
  }

  @inline(__always)
  private static func subtract(_ pair: UInt64, at target: UnsafeMutablePointer<Float>) {
    let raw = UnsafeMutableRawPointer(target)
    let force = unsafeBitCast(pair, to: SIMD2<Float>.self)
    raw.storeBytes(of: raw.loadUnaligned(as: SIMD2<Float>.self) - force, as: SIMD2<Float>.self)
  }

  /// The coordinate differences from `centre` to the eight neighbours listed at `columns[e...]`:
  /// each neighbour's (x, y) pair is one 8-byte load into a vector of eight pairs.
  @inline(__always)
  static func differences(
    _ positions: UnsafePointer<Float>, _ centre: SIMD2<Float>, _ columns: UnsafePointer<Int32>,
    _ e: Int
  ) -> (dx: SIMD8<Float>, dy: SIMD8<Float>) {
    let raw = UnsafeRawPointer(positions)
    @inline(__always) func pair(_ j: Int32) -> UInt64 {
      raw.loadUnaligned(fromByteOffset: 8 * Int(j), as: UInt64.self)
    }
    let c = UnsafeRawPointer(columns + e).loadUnaligned(as: SIMD8<Int32>.self)
    let pairs = SIMD8<UInt64>(
      pair(c[0]), pair(c[1]), pair(c[2]), pair(c[3]), pair(c[4]), pair(c[5]), pair(c[6]),
      pair(c[7]))
    let xy = unsafeBitCast(pairs, to: SIMD16<Float>.self)
    return (SIMD8(repeating: centre.x) - xy.evenHalf, SIMD8(repeating: centre.y) - xy.oddHalf)
  }
}
