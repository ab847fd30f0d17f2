import Tensor

/// A Float16 copy of the input rows, read by NN-descent for every distance it compares: half
/// the bytes of each row that the rounds read, and the rounds wait on memory rather than on
/// arithmetic (docs/benchmarks.md, 7th and 8th sessions). The final lists' distances are
/// recomputed from the Float32 input (`NeighbourSpace.measureExactly`).
///
/// The rows are centred on the column means (distances do not change, and the smaller values
/// leave Float16's 11 significant bits for the differences between points), scaled by a power
/// of two that puts the largest magnitude in [2^13, 2^14) (exact, and below Float16's 65,504),
/// and padded with zeros to a multiple of 16 columns (the kernels have no tail loop). Their
/// squared distances are the input's times `scale`^2, rounded: the search compares them only
/// with each other. Memory: 2 bytes per padded column per point (256 MB at 10^6 x 128).
struct HalfPrecisionRows: @unchecked Sendable {
  let count: Int
  /// Columns per row: the input's dimensions rounded up to a multiple of 16.
  let stride: Int
  let scale: Float
  private let storage: UnsafeMutablePointer<Float16>

  init(data: UnsafePointer<Float>, count: Int, dimensions n: Int) {
    self.count = count
    stride = (n + 15) / 16 * 16
    var means = [Double](repeating: 0, count: n)
    for i in 0..<count {
      for d in 0..<n { means[d] += Double(data[i * n + d]) }
    }
    let mean = means.map { Float($0 / Double(max(1, count))) }
    var largest: Float = 0
    for i in 0..<count {
      for d in 0..<n { largest = max(largest, abs(data[i * n + d] - mean[d])) }
    }
    // 2^(13 - e) for largest = m 2^e (1 <= m < 2): the largest magnitude lands in [2^13, 2^14).
    scale =
      largest.isNormal
      ? Float(sign: .plus, exponent: 13 - largest.exponent, significand: 1) : 1
    storage = .allocate(capacity: count * stride)
    let (out, stride, scale) = (storage, self.stride, self.scale)
    mean.withUnsafeBufferPointer { mean in
      let mean = mean.baseAddress!
      Parallel.forChunks(count: count, minimumPerThread: 1024) { range in
        for i in range {
          for d in 0..<n {
            out[i * stride + d] = Float16((data[i * n + d] - mean[d]) * scale)
          }
          for d in n..<stride { out[i * stride + d] = 0 }
        }
      }
    }
  }

  func deallocate() { storage.deallocate() }

  @inline(__always) func row(_ i: Int) -> UnsafePointer<Float16> {
    UnsafePointer(storage + i * stride)
  }

  /// The squared distance of rows i and j (scaled, see above).
  @inline(__always) func squared(_ i: Int, _ j: Int) -> Float {
    NeighbourDistance.squared(row(i), row(j), stride: stride)
  }
}
