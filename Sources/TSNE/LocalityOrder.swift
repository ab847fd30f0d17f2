import Tensor

/// A relabelling of the points in which points near each other in the input space get nearby
/// indices: the leaf order of one random-projection tree over the data.
///
/// Why: every iteration reads each point's row of P (about 90 neighbours and more) and the
/// positions of those neighbours. In the caller's order the neighbours lie anywhere in the
/// positions array and the rows are visited in the map's order, so at 50,000 points the
/// attraction was more than half of a Barnes-Hut gradient, bound by cache misses, and at a
/// million points 71% of an FFT one (docs/benchmarks.md, "Optimisation"). Relabelled, a row's
/// neighbours are mostly in the same or the next leaves, so their positions are a few cache
/// lines apart, and the rows are read in memory order.
///
/// The neighbour graph is relabelled in place before P is built from it (its rows are of one
/// length, so cycles of the permutation move them with one row of scratch): no second copy of
/// the graph, which at a million points is 728 MB.
struct LocalityOrder: Sendable {
  /// The caller's index of each internal index.
  let original: [Int32]
  /// The internal index of each caller's index.
  let internalIndex: [Int32]

  var count: Int { original.count }

  /// Leaves of at most 64 points: small enough that a leaf's positions share a few cache
  /// lines, large enough that the tree costs a handful of passes over the data.
  static let leafSize = 64

  init(data: UnsafePointer<Float>, count: Int, dimensions: Int, seed: UInt64) {
    let forest = RandomProjectionForest(
      data: data, count: count, dimensions: dimensions, trees: 0..<1, leafSize: Self.leafSize,
      seed: NeighbourDescent.mix(seed, 0x10CA_11E5))
    self.init(original: forest.trees[0].order)
  }

  init(original: [Int32]) {
    self.original = original
    var inverse = [Int32](repeating: 0, count: original.count)
    for (a, i) in original.enumerated() { inverse[Int(i)] = Int32(a) }
    internalIndex = inverse
  }

  /// The graph with internal indices: row a is the caller's row original[a], its neighbours'
  /// indices relabelled. The arrays are taken over and permuted in place.
  func relabel(_ graph: consuming NeighbourGraph) -> NeighbourGraph {
    let (count, k) = (graph.count, graph.k)
    precondition(count == self.count, "LocalityOrder: graph of \(count) points, order of \(self.count)")
    var (indices, distances) = graph.takeStorage()
    permuteRows(&indices, rowLength: k)
    permuteRows(&distances, rowLength: k)
    internalIndex.withUnsafeBufferPointer { inverse in
      indices.withUnsafeMutableBufferPointer { indices in
        let (map, values) = (inverse.baseAddress!, indices.baseAddress!)
        Parallel.forChunks(count: count, minimumPerThread: 4096) { rows in
          for e in (rows.lowerBound * k)..<(rows.upperBound * k) {
            values[e] = map[Int(values[e])]
          }
        }
      }
    }
    return NeighbourGraph(count: count, k: k, indices: indices, squaredDistances: distances)
  }

  /// Row a of the result is row original[a] of `rows`, moved along the permutation's cycles.
  func permuteRows<Element>(_ rows: inout [Element], rowLength: Int) {
    guard rowLength > 0 else { return }
    var done = [Bool](repeating: false, count: count)
    rows.withUnsafeMutableBufferPointer { rows in
      let base = rows.baseAddress!
      let held = UnsafeMutablePointer<Element>.allocate(capacity: rowLength)
      defer { held.deallocate() }
      for start in 0..<count where !done[start] {
        done[start] = true
        var target = start
        var source = Int(original[start])
        if source == start { continue }
        held.update(from: base + start * rowLength, count: rowLength)
        while source != start {
          (base + target * rowLength).update(from: base + source * rowLength, count: rowLength)
          done[source] = true
          target = source
          source = Int(original[source])
        }
        (base + target * rowLength).update(from: held, count: rowLength)
      }
    }
  }

  /// (x, y) pairs in the caller's order, put in internal order.
  func toInternal(_ pairs: [Float]) -> [Float] { gather(pairs, by: original) }

  /// (x, y) pairs in internal order, put back in the caller's order.
  func toOriginal(_ pairs: [Float]) -> [Float] { gather(pairs, by: internalIndex) }

  private func gather(_ pairs: [Float], by index: [Int32]) -> [Float] {
    precondition(pairs.count == 2 * count, "LocalityOrder: \(pairs.count / 2) points, not \(count)")
    return [Float](unsafeUninitializedCapacity: pairs.count) { output, initialised in
      for a in 0..<count {
        let i = Int(index[a])
        output[2 * a] = pairs[2 * i]
        output[2 * a + 1] = pairs[2 * i + 1]
      }
      initialised = pairs.count
    }
  }
}
