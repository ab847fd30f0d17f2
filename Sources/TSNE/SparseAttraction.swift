/// The attractive half of the t-SNE gradient over the sparse P, on raw pointers (shared by
/// the Barnes-Hut and the interpolated gradients). Each call writes only its own point's output.
struct SparseAttraction {
  /// The positions in original order, (x, y) pairs: a neighbour's two coordinates are one
  /// memory access. At a million points they are 8 MB read in random order, 90 or more
  /// neighbours per point; split x and y arrays cost two cache misses per neighbour.
  let positions: UnsafePointer<Float>
  let p: SparseAffinities.Buffers
  let attraction: UnsafeMutablePointer<Float>

  /// The exact attraction sum_j p_ij w_ij (y_i - y_j) over point i's row of P (its own slots,
  /// then its extra entries).
  @inline(__always)
  func attract(_ i: Int) {
    let centre = UnsafeRawPointer(positions + 2 * i).loadUnaligned(as: SIMD2<Float>.self)
    var sums = Sums()
    let k = p.k
    accumulate(centre, p.ownColumns, p.ownValues, i * k, (i + 1) * k, &sums)
    accumulate(
      centre, p.extraColumns, p.extraValues, Int(p.extraStart[i]), Int(p.extraStart[i + 1]),
      &sums)
    attraction[2 * i] = sums.x.sum() + sums.tailX
    attraction[2 * i + 1] = sums.y.sum() + sums.tailY
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

  /// Eight running sums per axis, and the entries past the last whole eight.
  struct Sums {
    var x = SIMD8<Float>()
    var y = SIMD8<Float>()
    var tailX: Float = 0
    var tailY: Float = 0
  }

  /// Adds the entries lower..<upper, eight at a time (`differences`); the eight weights take
  /// one vector division.
  ///
  /// Why vectors now: with the points in their locality order (`LocalityOrder`) the
  /// neighbours' positions are mostly in cache, and the scalar loop (four entries at a time,
  /// one division each) was bound by its arithmetic: 26% of a 50,000-point run's CPU.
  @inline(__always)
  private func accumulate(
    _ centre: SIMD2<Float>, _ columns: UnsafePointer<Int32>, _ values: UnsafePointer<Float>,
    _ lower: Int, _ upper: Int, _ sums: inout Sums
  ) {
    var e = lower
    while e + 8 <= upper {
      let (dx, dy) = Self.differences(positions, centre, columns, e)
      let p = UnsafeRawPointer(values + e).loadUnaligned(as: SIMD8<Float>.self)
      let w = p / (1 + dx * dx + dy * dy)
      sums.x += w * dx
      sums.y += w * dy
      e += 8
    }
    while e < upper {
      let j = Int(columns[e])
      let dx = centre.x - positions[2 * j]
      let dy = centre.y - positions[2 * j + 1]
      let w = values[e] / (1 + dx * dx + dy * dy)
      sums.tailX += w * dx
      sums.tailY += w * dy
      e += 1
    }
  }
}
