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
    let px = positions[2 * i]
    let py = positions[2 * i + 1]
    var sums = SIMD8<Float>()
    let k = p.k
    accumulate(px, py, p.ownColumns, p.ownValues, i * k, (i + 1) * k, &sums)
    accumulate(
      px, py, p.extraColumns, p.extraValues, Int(p.extraStart[i]), Int(p.extraStart[i + 1]),
      &sums)
    attraction[2 * i] = (sums[0] + sums[2]) + (sums[4] + sums[6])
    attraction[2 * i + 1] = (sums[1] + sums[3]) + (sums[5] + sums[7])
  }

  /// Adds the entries lower..<upper into four separate (x, y) sums (lanes 2s, 2s + 1).
  ///
  /// Scalar, four entries at a time: measured faster than any SIMD form here, because the
  /// neighbours' coordinates must be gathered one by one and plain -O assembles vectors from
  /// scalars lane by lane.
  @inline(__always)
  private func accumulate(
    _ px: Float, _ py: Float, _ columns: UnsafePointer<Int32>, _ values: UnsafePointer<Float>,
    _ lower: Int, _ upper: Int, _ sums: inout SIMD8<Float>
  ) {
    var (ax0, ay0, ax1, ay1) = (sums[0], sums[1], sums[2], sums[3])
    var (ax2, ay2, ax3, ay3) = (sums[4], sums[5], sums[6], sums[7])
    var e = lower
    while e + 4 <= upper {
      let j0 = Int(columns[e])
      let j1 = Int(columns[e + 1])
      let j2 = Int(columns[e + 2])
      let j3 = Int(columns[e + 3])
      let dx0 = px - positions[2 * j0]
      let dy0 = py - positions[2 * j0 + 1]
      let dx1 = px - positions[2 * j1]
      let dy1 = py - positions[2 * j1 + 1]
      let dx2 = px - positions[2 * j2]
      let dy2 = py - positions[2 * j2 + 1]
      let dx3 = px - positions[2 * j3]
      let dy3 = py - positions[2 * j3 + 1]
      let w0 = values[e] / (1 + dx0 * dx0 + dy0 * dy0)
      let w1 = values[e + 1] / (1 + dx1 * dx1 + dy1 * dy1)
      let w2 = values[e + 2] / (1 + dx2 * dx2 + dy2 * dy2)
      let w3 = values[e + 3] / (1 + dx3 * dx3 + dy3 * dy3)
      ax0 += w0 * dx0
      ay0 += w0 * dy0
      ax1 += w1 * dx1
      ay1 += w1 * dy1
      ax2 += w2 * dx2
      ay2 += w2 * dy2
      ax3 += w3 * dx3
      ay3 += w3 * dy3
      e += 4
    }
    while e < upper {
      let j = Int(columns[e])
      let dx = px - positions[2 * j]
      let dy = py - positions[2 * j + 1]
      let w = values[e] / (1 + dx * dx + dy * dy)
      ax0 += w * dx
      ay0 += w * dy
      e += 1
    }
    sums = SIMD8(ax0, ay0, ax1, ay1, ax2, ay2, ax3, ay3)
  }
}
