import Tensor

/// One step of scikit-learn's t-SNE optimiser for every coordinate: per-coordinate gains grow
/// by 0.2 where the step keeps its direction (update and gradient of opposite sign) and shrink
/// by a factor 0.8 elsewhere, at least `minimumGain`; then momentum and the learning rate; then
/// openTSNE's limit: a point's step (its two coordinates' update) longer than `maximumNorm` is
/// scaled to that length.
///
/// Why blocks: at a million points the loop is 2 million coordinates a step, which one thread
/// took several milliseconds over. Blocks of a fixed size are shared among the run's threads;
/// the squared norm is summed per block and then in block order, so it and the positions are
/// the same for any thread count.
enum GainsUpdate {
  static let block = 1 << 14

  /// Updates `gains`, `update` and `positions` from `gradient`; returns the squared norm of the
  /// gradient times the gains.
  static func apply(
    gradient: [Float], gains: inout [Float], update: inout [Float], positions: inout [Float],
    momentum: Float, rate: Float, minimumGain: Float, maximumNorm: Float?
  ) -> Double {
    let count = gradient.count
    let blocks = (count + block - 1) / block
    var norms = [Double](repeating: 0, count: blocks)
    gradient.withUnsafeBufferPointer { gradient in
      gains.withUnsafeMutableBufferPointer { gains in
        update.withUnsafeMutableBufferPointer { update in
          positions.withUnsafeMutableBufferPointer { positions in
            norms.withUnsafeMutableBufferPointer { norms in
              Parallel.forChunks(count: blocks, minimumPerThread: 4) { range in
                for b in range {
                  var squaredNorm = 0.0
                  let coordinates = (b * block)..<min(count, (b + 1) * block)
                  for k in coordinates {
                    var g = gradient[k]
                    var gain = update[k] * g < 0 ? gains[k] + 0.2 : gains[k] * 0.8
                    gain = max(gain, minimumGain)
                    gains[k] = gain
                    g *= gain
                    squaredNorm += Double(g * g)
                    update[k] = momentum * update[k] - rate * g
                  }
                  // Blocks hold whole points (an even count of coordinates).
                  if let maximumNorm {
                    for k in stride(from: coordinates.lowerBound, to: coordinates.upperBound, by: 2) {
                      let length = (update[k] * update[k] + update[k + 1] * update[k + 1]).squareRoot()
                      if length > maximumNorm {
                        let scale = maximumNorm / length
                        update[k] *= scale
                        update[k + 1] *= scale
                      }
                    }
                  }
                  for k in coordinates { positions[k] += update[k] }
                  norms[b] = squaredNorm
                }
              }
            }
          }
        }
      }
    }
    var total = 0.0
    for norm in norms { total += norm }
    return total
  }
}
