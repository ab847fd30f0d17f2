import Foundation

/// The point-dependent part of KL(P || Q) over the sparse P: sum_j p_ij log(1 + |y_i - y_j|^2)
/// per row, on raw pointers (positions as (x, y) pairs), eight entries per vector logarithm.
struct SparseDivergence {
  let positions: UnsafePointer<Float>
  let p: SparseAffinities.Buffers

  /// Row i's share of KL(P || Q) beyond the entropy and log Z.
  @inline(__always)
  func divergenceTerm(_ i: Int) -> Double {
    let centre = UnsafeRawPointer(positions + 2 * i).loadUnaligned(as: SIMD2<Float>.self)
    let k = p.k
    return logTerms(centre, p.ownColumns, p.ownValues, i * k, (i + 1) * k)
      + logTerms(
        centre, p.extraColumns, p.extraValues, Int(p.extraStart[i]), Int(p.extraStart[i + 1]))
  }

  @inline(__always)
  private func logTerms(
    _ centre: SIMD2<Float>, _ columns: UnsafePointer<Int32>, _ values: UnsafePointer<Float>,
    _ lower: Int, _ upper: Int
  ) -> Double {
    var sums = SIMD8<Float>()
    var e = lower
    while e + 8 <= upper {
      let (dx, dy) = SparseAttraction.differences(positions, centre, columns, e)
      let p = UnsafeRawPointer(values + e).loadUnaligned(as: SIMD8<Float>.self)
      sums += p * VectorLogarithm.log(1 + dx * dx + dy * dy)
      e += 8
    }
    var tail: Float = 0
    while e < upper {
      let j = Int(columns[e])
      let dx = centre.x - positions[2 * j]
      let dy = centre.y - positions[2 * j + 1]
      tail += values[e] * log1pf(dx * dx + dy * dy)
      e += 1
    }
    return Double(sums.sum()) + Double(tail)
  }
}
