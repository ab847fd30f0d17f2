import Foundation
import Tensor

/// The joint input probabilities P of t-SNE: p_ij = (p(j|i) + p(i|j)) / sum over all pairs,
/// symmetric, summing to 1 (scikit-learn's `_joint_probabilities` and, on a k-nearest-neighbour
/// graph, `_joint_probabilities_nn`).
enum TSNEAffinities: Sendable {
  /// All N x N pairs, row-major, for the exact gradient.
  case dense(values: [Float])
  /// Compressed rows: row i holds columns `columns[rowStart[i]..<rowStart[i+1]]`, increasing.
  case sparse(rowStart: [Int32], columns: [Int32], values: [Float])

  /// sum p log p over the non-zero entries: the constant part of KL(P || Q).
  var negativeEntropy: Double {
    let values: [Float]
    switch self {
    case .dense(let v): values = v
    case .sparse(_, _, let v): values = v
    }
    var sum = 0.0
    for p in values where p > 0 { sum += Double(p) * log(Double(p)) }
    return sum
  }

  var nonZeroCount: Int {
    switch self {
    case .dense(let values): return values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
    case .sparse(_, let columns, _): return columns.count
    }
  }

  /// Exact affinities from every pair's distance (centred data, count x dimensions).
  static func dense(data: [Float], count: Int, dimensions: Int, perplexity: Double) -> Self {
    var conditional = [Float](repeating: 0, count: count * count)
    data.withUnsafeBufferPointer { data in
      conditional.withUnsafeMutableBufferPointer { output in
        let p = output.baseAddress!
        NearestNeighbours.forEachDistanceRow(
          data: data.baseAddress!, count: count, dimensions: dimensions
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
  /// neighbours only, then symmetrised (a pair kept by either point is kept).
  static func sparse(graph: NeighbourGraph, perplexity: Double) -> Self {
    let (count, k) = (graph.count, graph.k)
    let conditional = PerplexityCalibration.conditionalProbabilities(
      squaredDistances: graph.squaredDistances, rows: count, columns: k, perplexity: perplexity,
      skipsDiagonal: false
    ).probabilities
    var total = 0.0
    for value in conditional { total += Double(value) }
    let scale = 1 / max(2 * total, Double.ulpOfOne)

    // Row i gathers its own k entries and every (l -> i) entry; duplicates are merged below.
    var incoming = [Int](repeating: 0, count: count + 1)
    for j in graph.indices { incoming[Int(j) + 1] += 1 }
    var rowStart = [Int](repeating: 0, count: count + 1)
    for i in 0..<count { rowStart[i + 1] = rowStart[i] + k + incoming[i + 1] }
    var fill = Array(rowStart.dropLast())
    var gatheredColumns = [Int32](repeating: 0, count: rowStart[count])
    // The conditional p as gathered (floats: 4 bytes a pair less than doubles, and exact).
    var gatheredValues = [Float](repeating: 0, count: rowStart[count])
    for i in 0..<count {
      for r in 0..<k {
        let j = Int(graph.indices[i * k + r])
        let value = conditional[i * k + r]
        gatheredColumns[fill[i]] = Int32(j)
        gatheredValues[fill[i]] = value
        fill[i] += 1
        gatheredColumns[fill[j]] = Int32(i)
        gatheredValues[fill[j]] = value
        fill[j] += 1
      }
    }
    // Each row sorted by column and its duplicates merged in place, rows in parallel (each
    // row is one thread's, so the result does not depend on the thread count).
    var merged = [Int](repeating: 0, count: count)
    gatheredColumns.withUnsafeMutableBufferPointer { columns in
      gatheredValues.withUnsafeMutableBufferPointer { values in
        merged.withUnsafeMutableBufferPointer { merged in
          let (c, v, m) = (columns.baseAddress!, values.baseAddress!, merged.baseAddress!)
          Parallel.forChunks(count: count, minimumPerThread: 256) { range in
            var entries: [(Int32, Float)] = []
            for i in range {
              let row = rowStart[i]..<rowStart[i + 1]
              entries.removeAll(keepingCapacity: true)
              for e in row { entries.append((c[e], v[e])) }
              entries.sort { $0.0 < $1.0 }
              var out = row.lowerBound
              var index = 0
              while index < entries.count {
                let column = entries[index].0
                var sum = 0.0
                while index < entries.count, entries[index].0 == column {
                  sum += Double(entries[index].1)
                  index += 1
                }
                // Subnormal floats are flushed to zero: they change nothing but slow every
                // multiply.
                let value = Float(sum * scale)
                (c[out], v[out]) = (column, value < .leastNormalMagnitude ? 0 : value)
                out += 1
              }
              m[i] = out - row.lowerBound
            }
          }
        }
      }
    }
    var starts = [Int32](repeating: 0, count: count + 1)
    for i in 0..<count { starts[i + 1] = starts[i] + Int32(merged[i]) }
    var columns = [Int32](repeating: 0, count: Int(starts[count]))
    var values = [Float](repeating: 0, count: Int(starts[count]))
    for i in 0..<count {
      for t in 0..<merged[i] {
        columns[Int(starts[i]) + t] = gatheredColumns[rowStart[i] + t]
        values[Int(starts[i]) + t] = gatheredValues[rowStart[i] + t]
      }
    }
    return .sparse(rowStart: starts, columns: columns, values: values)
  }
}
