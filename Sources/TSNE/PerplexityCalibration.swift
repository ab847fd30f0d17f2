import Foundation
import Tensor

/// Per-point Gaussian bandwidths: for each point a precision beta such that the conditional
/// distribution p(j | i) = exp(-beta d_ij) / sum_k exp(-beta d_ik) over its candidates has
/// entropy log(perplexity) (natural log), found by the binary search of van der Maaten's
/// reference code and scikit-learn's `_binary_search_perplexity`: start at beta = 1, double or
/// halve until the target is bracketed, then bisect; stop at |H - log(perplexity)| <= 1e-5 or
/// after 100 steps.
public enum PerplexityCalibration {
  public static let tolerance = 1e-5
  public static let maximumSteps = 100

  /// The result for one row: its precision and the entropy (nats) it reached.
  public struct Row: Sendable, Equatable {
    public var beta: Double
    public var entropy: Double
  }

  /// Writes p(j | i) for one point into `probabilities` from the squared distances to its
  /// `count` candidates; the candidate at `skipping` (the point itself in a full row) gets 0.
  ///
  /// Distances are shifted by the row's minimum first: p and the entropy do not change, but
  /// the largest term becomes exp(0) = 1, so the sum never underflows (scikit-learn falls back
  /// to a sum of 1e-8 there, which gives a wrong row for far-away points).
  ///
  /// Each step's exponentials are 16 lanes at a time in Float (`VectorMath.exp`, 2 ulp), their
  /// sums in 16 Float lanes added in Double: at a million points x 91 neighbours the scalar
  /// Double `exp` of every step took about 12 s of CPU (2.6 s now); the entropy so computed is
  /// within ~1e-6 of the Double one, well inside the search's 1e-5.
  @discardableResult
  static func calibrate(
    squaredDistances: UnsafePointer<Float>, count: Int, skipping: Int = -1,
    perplexity: Double, probabilities: UnsafeMutablePointer<Float>
  ) -> Row {
    let lanes = VectorMath.Vector.scalarCount
    let padded = (count + lanes - 1) / lanes * lanes
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * max(padded, lanes)) {
      scratch in
      let (shifted, weights, p) = (
        scratch.baseAddress!, scratch.baseAddress! + padded, scratch.baseAddress! + 2 * padded
      )
      var minimum = Float.infinity
      for j in 0..<count where j != skipping { minimum = min(minimum, squaredDistances[j]) }
      // The skipped candidate and the padding: distance 0 and weight 0 (never inf * 0).
      for j in 0..<padded {
        let used = j < count && j != skipping
        shifted[j] = used ? squaredDistances[j] - minimum : 0
        weights[j] = used ? 1 : 0
      }
      let row = calibrateShifted(
        shifted: shifted, weights: weights, padded: padded, perplexity: perplexity,
        probabilities: p)
      // The probabilities kept belong to the beta whose entropy was measured last.
      // Subnormal results are flushed to zero (they only slow the arithmetic that follows).
      let scale = 1 / row.sum
      for j in 0..<count {
        let value = Float(Double(p[j]) * scale)
        probabilities[j] = j == skipping || value < .leastNormalMagnitude ? 0 : value
      }
      return Row(beta: row.beta, entropy: row.entropy)
    }
  }

  /// The binary search over beta on distances already shifted by their minimum (`padded`, a
  /// multiple of 16, with weight 0 on the entries that do not count): leaves the unnormalised
  /// e^(-beta d) of the last step measured in `probabilities`.
  @inline(__always)
  private static func calibrateShifted(
    shifted: UnsafePointer<Float>, weights: UnsafePointer<Float>, padded: Int,
    perplexity: Double, probabilities: UnsafeMutablePointer<Float>
  ) -> (beta: Double, entropy: Double, sum: Double) {
    typealias Vector = VectorMath.Vector
    let lanes = Vector.scalarCount
    let raw = (UnsafeRawPointer(shifted), UnsafeRawPointer(weights))
    let output = UnsafeMutableRawPointer(probabilities)
    let target = log(perplexity)
    var beta = 1.0
    var lower = -Double.infinity
    var upper = Double.infinity
    var entropy = 0.0
    var sum = 0.0
    for _ in 0..<maximumSteps {
      let negativeBeta = Vector(repeating: Float(-beta))
      var sums = Vector()
      var weighted = Vector()
      for offset in stride(from: 0, to: padded * 4, by: lanes * 4) {
        let distance = raw.0.loadUnaligned(fromByteOffset: offset, as: Vector.self)
        let weight = raw.1.loadUnaligned(fromByteOffset: offset, as: Vector.self)
        let e = VectorMath.exp(distance * negativeBeta) * weight
        output.storeBytes(of: e, toByteOffset: offset, as: Vector.self)
        sums += e
        weighted = weighted.addingProduct(distance, e)
      }
      sum = 0
      var weightedDistance = 0.0
      for lane in 0..<lanes {
        sum += Double(sums[lane])
        weightedDistance += Double(weighted[lane])
      }
      // H = -sum p log p with p = e^(-beta d) / S  =  log S + beta * sum(d e^(-beta d)) / S.
      entropy = log(sum) + beta * weightedDistance / sum
      let difference = entropy - target
      if abs(difference) <= tolerance { break }
      if difference > 0 {
        lower = beta
        beta = upper == .infinity ? beta * 2 : (beta + upper) / 2
      } else {
        upper = beta
        beta = lower == -.infinity ? beta / 2 : (beta + lower) / 2
      }
    }
    return (beta, entropy, sum)
  }

  /// Conditional probabilities for `rows` rows of `columns` squared distances each (row-major);
  /// with `skipsDiagonal`, column i of row i is the point itself and gets probability 0.
  /// Rows run in parallel (each is independent, so the result does not depend on threads).
  public static func conditionalProbabilities(
    squaredDistances: [Float], rows: Int, columns: Int, perplexity: Double,
    skipsDiagonal: Bool
  ) -> (probabilities: [Float], rows: [Row]) {
    precondition(squaredDistances.count == rows * columns, "distances are not rows x columns")
    var probabilities = [Float](repeating: 0, count: rows * columns)
    var results = [Row](repeating: Row(beta: 0, entropy: 0), count: rows)
    squaredDistances.withUnsafeBufferPointer { distances in
      probabilities.withUnsafeMutableBufferPointer { output in
        results.withUnsafeMutableBufferPointer { rowResults in
          let d = distances.baseAddress!
          let p = output.baseAddress!
          let r = rowResults.baseAddress!
          Parallel.forChunks(count: rows, minimumPerThread: 16) { range in
            for i in range {
              r[i] = calibrate(
                squaredDistances: d + i * columns, count: columns,
                skipping: skipsDiagonal ? i : -1, perplexity: perplexity,
                probabilities: p + i * columns)
            }
          }
        }
      }
    }
    return (probabilities, results)
  }

  /// `conditionalProbabilities` without skipping, written over the distances themselves
  /// (`calibrate` reads a row into its scratch before it writes the row): n x k floats less at
  /// a million points. Rows go in blocks, each split among the threads, so that `monitor` hears
  /// progress and can cancel in between.
  static func calibrateInPlace(
    _ values: inout [Float], rows: Int, columns: Int, perplexity: Double,
    monitor: TSNEPreparationMonitor = .none
  ) throws {
    precondition(values.count == rows * columns, "distances are not rows x columns")
    let block = 2048
    try values.withUnsafeMutableBufferPointer { values in
      let v = values.baseAddress!
      for start in stride(from: 0, to: rows, by: block) {
        try monitor.throwIfCancelled()
        monitor.report(.calibration, Double(start) / Double(rows))
        let end = min(rows, start + block)
        Parallel.forChunks(count: end - start, minimumPerThread: 16) { range in
          for i in (start + range.lowerBound)..<(start + range.upperBound) {
            calibrate(
              squaredDistances: v + i * columns, count: columns, perplexity: perplexity,
              probabilities: v + i * columns)
          }
        }
      }
    }
    monitor.report(.calibration, 1)
  }
}
