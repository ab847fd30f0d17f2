import Foundation

/// The point-dependent part of KL(P || Q) over the sparse P stored once per pair:
/// sum_j p_ij log(1 + |y_i - y_j|^2) over both orders of row i's stored pairs, on raw pointers
/// (positions as (x, y) pairs), eight entries per vector logarithm.
struct SparseDivergence {
  let positions: UnsafePointer<Float>
  let p: SparseAffinities.Buffers

  /// Row i's pairs' share of KL(P || Q) beyond the entropy and log Z (each pair counted for
  /// both of its points).
  @inline(__always)
  func divergenceTerm(_ i: Int) -> Double {
    let centre = UnsafeRawPointer(positions + 2 * i).loadUnaligned(as: SIMD2<Float>.self)
    let (columns, values) = (p.columns, p.values)
    var sums = SIMD8<Float>()
    var e = Int(p.rowStart[i])
    let upper = Int(p.rowStart[i + 1])
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
    return 2 * (Double(sums.sum()) + Double(tail))
  }
}
