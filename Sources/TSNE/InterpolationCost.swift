import Foundation

/// When the FFT-interpolated repulsion costs less than Barnes-Hut's, from measured CPU times of
/// the repulsion alone (`vlp bench tsne --gradient-only --repulsion-only`, both methods on
/// 2 threads; the attraction is the same in both and left out). docs/benchmarks.md, "FFT
/// repulsion (2026-12-07, 5th session)", has the table these constants were fitted to.
///
/// Barnes-Hut (theta 0.5) costs about the same per point at any extent of a real-looking map
/// and grows slowly with N (cache misses of the tree walk); the FFT costs a little per point
/// plus its grid, which grows with the map's extent (the square of the nodes per side, up to
/// the node cap) and not with N.
extension InterpolatedRepulsion {
  /// Barnes-Hut's CPU seconds per point per evaluation, measured at these point counts
  /// (interpolated in log N between them, the ends held beyond).
  static let barnesHutSecondsPerPoint: [(points: Int, seconds: Double)] = [
    (5_000, 0.32e-6), (50_000, 0.443e-6), (200_000, 0.484e-6), (1_000_000, 0.547e-6),
  ]
  /// The FFT's CPU seconds per point (locate, spread, read back), its growth with the grid's
  /// area (the potentials are read and the charges spread in the points' order, and a larger
  /// grid misses the caches more: per point, times (size / 2048)^2), and per node of the padded
  /// grid and level of its transforms (size^2 log2 size). Least squares on the relative error
  /// over 32 measurements (N = 5k to 1M, extents 5 to 300): within 17% from 50,000 points on
  /// (up to 33% at 5,000, where Barnes-Hut is 3 to 50 times cheaper), and one of the 32
  /// choices wrong (50,000 points at extent 30: 22.7 ms measured against Barnes-Hut's 22.2,
  /// estimated 20.4).
  static let fftSecondsPerPoint = 2.03e-7
  static let fftSecondsPerPointAtFullGrid = 2.79e-7
  static let fftSecondsPerGridTerm = 3.02e-9

  /// Estimated CPU seconds of one FFT evaluation for `count` points on a map `span` wide.
  func estimatedSeconds(span: Float, count: Int) -> Double {
    let size = Double(2 * geometry(span: span).boxCount * nodesPerBox)
    let area = (size / 2048) * (size / 2048)
    return (Self.fftSecondsPerPoint + Self.fftSecondsPerPointAtFullGrid * area) * Double(count)
      + Self.fftSecondsPerGridTerm * size * size * log2(size)
  }

  /// Estimated CPU seconds of one Barnes-Hut repulsion (theta 0.5) for `count` points.
  static func barnesHutEstimatedSeconds(count: Int) -> Double {
    let table = barnesHutSecondsPerPoint
    let n = Double(max(1, count))
    guard n > Double(table[0].points) else { return n * table[0].seconds }
    for k in 1..<table.count where n <= Double(table[k].points) {
      let (a, b) = (table[k - 1], table[k])
      let f = log(n / Double(a.points)) / log(Double(b.points) / Double(a.points))
      return n * (a.seconds + f * (b.seconds - a.seconds))
    }
    return n * table[table.count - 1].seconds
  }

  /// Whether the FFT's repulsion (the default grid) is estimated to cost less CPU than
  /// Barnes-Hut's at theta 0.5 for `count` points on a map `span` wide (the larger side of
  /// its bounding box): for `TSNEOptions.Method.automatic` to call per gradient evaluation.
  static func isCheaperThanBarnesHut(span: Float, count: Int) -> Bool {
    InterpolatedRepulsion().estimatedSeconds(span: span, count: count)
      < barnesHutEstimatedSeconds(count: count)
  }
}
