import Tensor

/// A relabelling of the points by where they lie in the map: their order along a Z-order
/// (Morton) curve over the embedding's bounding box.
///
/// Why: `LocalityOrder` puts input-space neighbours at nearby indices as well as one tree can,
/// but in 128-D data a random hyperplane separates a point from its true neighbours almost as
/// often as from any other point of its cluster, so a row's neighbours still lie anywhere in
/// the cluster's index range. At a million points that range's positions and scatter entries
/// do not fit the second-level cache, and the attraction, two thirds of an iteration, waited on
/// those loads (docs/benchmarks.md, "Iteration speed"). Once the map has formed, a point's
/// affinity neighbours are its map neighbours, and along the curve those are a few runs of
/// nearby indices; the FFT's spreading and reading then also walk the grid box by box.
enum SpatialOrder {
  /// Cells per axis of the curve's grid (2^16: the map's points share a cell only when they
  /// are within 1/65,536 of its extent, where their order no longer matters).
  static let bits = 16

  /// `original[a]`: the current index of the point that goes to index a, sorted by the curve's
  /// code of its (x, y) pair, ties by current index.
  static func permutation(positions: [Float], count: Int) -> [Int32] {
    precondition(positions.count == 2 * count, "SpatialOrder: \(positions.count / 2) points, not \(count)")
    var (low, high) = (SIMD2<Float>(repeating: .infinity), SIMD2<Float>(repeating: -.infinity))
    for i in 0..<count {
      let point = SIMD2(positions[2 * i], positions[2 * i + 1])
      low = pointwiseMin(low, point)
      high = pointwiseMax(high, point)
    }
    let cells = Float((1 << bits) - 1)
    let extent = high - low
    let scale = SIMD2(
      extent.x > 0 ? cells / extent.x : 0, extent.y > 0 ? cells / extent.y : 0)
    var keys = [UInt64](repeating: 0, count: count)
    keys.withUnsafeMutableBufferPointer { keys in
      let out = keys.baseAddress!
      positions.withUnsafeBufferPointer { positions in
        let p = positions.baseAddress!
        Parallel.forChunks(count: count, minimumPerThread: 1 << 14) { range in
          for i in range {
            let cell = (SIMD2(p[2 * i], p[2 * i + 1]) - low) * scale
            let x = UInt32(min(cells, max(0, cell.x)))
            let y = UInt32(min(cells, max(0, cell.y)))
            out[i] = UInt64(interleave(x) | interleave(y) << 1) << 32 | UInt64(i)
          }
        }
      }
    }
    keys.sort()
    return keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
  }

  /// The 16 low bits of v spread to the even bit positions.
  @inline(__always)
  static func interleave(_ v: UInt32) -> UInt32 {
    var x = v & 0xFFFF
    x = (x | x << 8) & 0x00FF_00FF
    x = (x | x << 4) & 0x0F0F_0F0F
    x = (x | x << 2) & 0x3333_3333
    x = (x | x << 1) & 0x5555_5555
    return x
  }
}

extension SparseAffinities {
  init(count: Int, rowStart: [Int32], columns: [Int32], values: [Float]) {
    self.count = count
    self.rowStart = rowStart
    self.columns = columns
    self.values = values
  }

  /// The same pairs and values with point a renamed `newIndex[a]`: each pair in the row of its
  /// smaller new index, rows in increasing column order (the layout the gradient expects).
  ///
  /// Memory: a second copy of the pairs (8 bytes each) while this one is held, and 4 bytes a
  /// point per part (at most 8).
  func relabelled(newIndex: [Int32]) -> SparseAffinities {
    precondition(newIndex.count == count, "SparseAffinities: \(newIndex.count) labels for \(count) points")
    // The source rows in a fixed number of parts, each counting and placing its own pairs (so
    // two threads share the passes); `gathered` sorts the rows, so the result does not depend
    // on the parts or the threads.
    let parts = Swift.max(1, Swift.min(8, count / 4096))
    return newIndex.withUnsafeBufferPointer { label in
      withBuffers { p in
        Self.gathered(
          count: count, parts: parts,
          from: RelabelledPairs(count: count, parts: parts, label: label.baseAddress!, p: p))
      }
    }
  }
}

/// `relabelled`'s pairs: each stored pair (m, j) goes to the row of its smaller new label.
private struct RelabelledPairs: PairSource {
  let count: Int
  let parts: Int
  let label: UnsafePointer<Int32>
  let p: SparseAffinities.Buffers

  @inline(__always)
  func forEachPair(inPart part: Int, _ emit: (Int, Int32, Int) -> Void) {
    for m in (part * count / parts)..<((part + 1) * count / parts) {
      let a = label[m]
      for e in Int(p.rowStart[m])..<Int(p.rowStart[m + 1]) {
        let b = label[Int(p.columns[e])]
        emit(Int(Swift.min(a, b)), Swift.max(a, b), e)
      }
    }
  }

  @inline(__always)
  func value(_ e: Int) -> Float { p.values[e] }
}
