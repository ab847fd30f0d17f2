/// The attractive half of the t-SNE gradient over the sparse P, on raw pointers (shared by
/// the Barnes-Hut and the interpolated gradients). Each call writes only its own point's output.
struct SparseAttraction {
  /// The positions in original order, split into x and y.
  let xs: UnsafePointer<Float>
  let ys: UnsafePointer<Float>
  let rowStart: UnsafePointer<Int32>
  let columns: UnsafePointer<Int32>
  let values: UnsafePointer<Float>
  let attraction: UnsafeMutablePointer<Float>

  /// The exact attraction sum_j p_ij w_ij (y_i - y_j) over point i's row of P.
  ///
  /// Scalar, four entries at a time with separate sums: measured faster than any SIMD form
  /// here, because the neighbours' coordinates must be gathered one by one and plain -O
  /// assembles vectors from scalars lane by lane.
  @inline(__always)
  func attract(_ i: Int) {
    let px = xs[i]
    let py = ys[i]
    var ax0: Float = 0
    var ay0: Float = 0
    var ax1: Float = 0
    var ay1: Float = 0
    var ax2: Float = 0
    var ay2: Float = 0
    var ax3: Float = 0
    var ay3: Float = 0
    var e = Int(rowStart[i])
    let rowEnd = Int(rowStart[i + 1])
    while e + 4 <= rowEnd {
      let j0 = Int(columns[e])
      let j1 = Int(columns[e + 1])
      let j2 = Int(columns[e + 2])
      let j3 = Int(columns[e + 3])
      let dx0 = px - xs[j0]
      let dy0 = py - ys[j0]
      let dx1 = px - xs[j1]
      let dy1 = py - ys[j1]
      let dx2 = px - xs[j2]
      let dy2 = py - ys[j2]
      let dx3 = px - xs[j3]
      let dy3 = py - ys[j3]
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
    while e < rowEnd {
      let j = Int(columns[e])
      let dx = px - xs[j]
      let dy = py - ys[j]
      let w = values[e] / (1 + dx * dx + dy * dy)
      ax0 += w * dx
      ay0 += w * dy
      e += 1
    }
    attraction[2 * i] = (ax0 + ax1) + (ax2 + ax3)
    attraction[2 * i + 1] = (ay0 + ay1) + (ay2 + ay3)
  }
}
