import Foundation
import Tensor

/// The joint input probabilities P of t-SNE: p_ij = (p(j|i) + p(i|j)) / sum over all pairs,
/// symmetric, summing to 1 (scikit-learn's `_joint_probabilities` and, on a k-nearest-neighbour
/// graph, `_joint_probabilities_nn`).
enum TSNEAffinities: Sendable {
  /// All N x N pairs, row-major, for the exact gradient.
  case dense(values: [Float])
  /// Sparse rows, each pair stored once (in the row of its smaller point).
  case sparse(SparseAffinities)

  /// Plain compressed rows of a symmetric P: row i holds columns
  /// `columns[rowStart[i]..<rowStart[i+1]]` (each pair in both of its rows).
  static func sparse(rowStart: [Int32], columns: [Int32], values: [Float]) -> Self {
    .sparse(SparseAffinities(rowStart: rowStart, columns: columns, values: values))
  }

  /// sum p log p over the non-zero entries: the constant part of KL(P || Q).
  var negativeEntropy: Double {
    var sum = 0.0
    func add(_ values: [Float]) {
      for p in values where p > 0 { sum += Double(p) * log(Double(p)) }
    }
    switch self {
    case .dense(let values): add(values)
    case .sparse(let p):
      // Each stored pair is two entries of P.
      add(p.values)
      sum *= 2
    }
    return sum
  }

  var nonZeroCount: Int {
    switch self {
    case .dense(let values): return values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
    case .sparse(let p): return 2 * p.entryCount
    }
  }

  /// Exact affinities from every pair's distance (centred data, count x dimensions).
  /// Stops early (the result then unusable) once `monitor` cancels.
  static func dense(
    data: [Float], count: Int, dimensions: Int, perplexity: Double,
    monitor: TSNEPreparationMonitor = .none
  ) -> Self {
    var conditional = [Float](repeating: 0, count: count * count)
    data.withUnsafeBufferPointer { data in
      conditional.withUnsafeMutableBufferPointer { output in
        let p = output.baseAddress!
        NearestNeighbours.forEachDistanceRow(
          data: data.baseAddress!, count: count, dimensions: dimensions, monitor: monitor,
          phase: .calibration
        ) { i, row in
          PerplexityCalibration.calibrate(
            squaredDistances: row, count: count, skipping: i, perplexity: perplexity,
            probabilities: p + i * count)
        }
      }
    }
    var total = 0.0
    for i in 0..<count {
      for j in 0..<count { total += Double(conditional[i * count + j]) }
    }
    let scale = 1 / max(2 * total, Double.ulpOfOne)
    // Off-diagonal entries are floored at 2.2e-16 as scikit-learn does (MACHINE_EPSILON).
    // Besides matching it, this keeps subnormal floats out of the gradient loop: far pairs of
    // overlapping clusters otherwise get p ~ 1e-40, and each multiply by a subnormal costs
    // a microcode assist (measured: 8 s instead of 0.4 s for 1,000 points).
    var joint = [Float](repeating: 0, count: count * count)
    let floor = Float(Double.ulpOfOne)
    for i in 0..<count {
      for j in 0..<count where j != i {
        let sum = Double(conditional[i * count + j]) + Double(conditional[j * count + i])
        joint[i * count + j] = max(Float(sum * scale), floor)
      }
    }
    return .dense(values: joint)
  }

  /// Sparse affinities on the k-nearest-neighbour graph: p(j|i) is calibrated over the k
  /// neighbours only (in place of their distances), then symmetrised (a pair kept by either
  /// point is kept). The graph's arrays are taken over, not copied.
  static func sparse(
    graph: consuming NeighbourGraph, perplexity: Double, monitor: TSNEPreparationMonitor = .none
  ) throws -> Self {
    let (count, k) = (graph.count, graph.k)
    var (columns, distances) = graph.takeStorage()
    try PerplexityCalibration.calibrateInPlace(
      &distances, rows: count, columns: k, perplexity: perplexity, monitor: monitor)
    return .sparse(
      try SparseAffinities(
        count: count, k: k, columns: consume columns, conditional: consume distances,
        monitor: monitor))
  }
}
