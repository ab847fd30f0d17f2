import Tensor

/// Each point's k nearest other points, nearest first: `indices[i * k + r]` is the r-th
/// neighbour of point i and `squaredDistances[i * k + r]` its squared Euclidean distance.
public struct NeighbourGraph: Sendable, Equatable {
  public let count: Int
  public let k: Int
  public let indices: [Int32]
  public let squaredDistances: [Float]

  /// The two arrays, handed over without a copy when this graph was their only holder.
  consuming func takeStorage() -> (indices: [Int32], squaredDistances: [Float]) {
    (indices, squaredDistances)
  }
}

/// Exact k-nearest-neighbour search by blocks of squared distances computed with the GEMM
/// kernel (|a|^2 + |b|^2 - 2 a.b): a 5,000 x 128 set takes a few tens of milliseconds, so a
/// vantage-point tree (which degrades to a scan at 128 dimensions anyway) is not needed.
///
/// Callers should centre the data first: the expansion loses precision when the points sit far
/// from the origin compared with their distances.
public enum NearestNeighbours {
  /// Rows of the distance matrix computed per GEMM call; fixed so that results never depend
  /// on the thread count.
  static let blockRows = 64

  /// Squared norms of each row, summed in order.
  static func squaredNorms(_ data: UnsafePointer<Float>, count: Int, dimensions: Int) -> [Float] {
    (0..<count).map { i in
      var sum: Float = 0
      for d in 0..<dimensions {
        sum = sum.addingProduct(data[i * dimensions + d], data[i * dimensions + d])
      }
      return sum
    }
  }

  /// Squared distances from rows `rows` of `queries` to all `count` rows of `data` into
  /// `output` (rows.count x count, row-major). When the queries are the data themselves
  /// (`queries == data`), a point's distance to itself is exactly 0.
  static func distanceBlock(
    queries: UnsafePointer<Float>, queryNorms: UnsafePointer<Float>, data: UnsafePointer<Float>,
    norms: UnsafePointer<Float>, count: Int, dimensions: Int, rows: Range<Int>,
    output: UnsafeMutablePointer<Float>
  ) {
    GEMM.multiply(
      m: rows.count, n: count, k: dimensions, a: queries + rows.lowerBound * dimensions,
      lda: dimensions, transposeA: false, b: data, ldb: dimensions, transposeB: true,
      c: output, ldc: count, alpha: -2, threads: 1)
    for (r, i) in rows.enumerated() {
      let row = output + r * count
      let ni = queryNorms[i]
      for j in 0..<count { row[j] = max(0, row[j] + ni + norms[j]) }
      if queries == data { row[i] = 0 }
    }
  }

  /// Calls `body(i, row)` for every point with its full row of squared distances, block by
  /// block in parallel; `body` must only write memory that belongs to point i. Stops early
  /// (some rows never visited) once `monitor` cancels; reports `phase` to it.
  static func forEachDistanceRow(
    data: UnsafePointer<Float>, count: Int, dimensions: Int,
    monitor: TSNEPreparationMonitor = .none, phase: TSNEPreparationMonitor.Phase = .neighbours,
    _ body: (Int, UnsafePointer<Float>) -> Void
  ) {
    let norms = squaredNorms(data, count: count, dimensions: dimensions)
    let blocks = (count + blockRows - 1) / blockRows
    norms.withUnsafeBufferPointer { norms in
      Parallel.forChunks(count: blocks, minimumPerThread: 1) { blockRange in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * count)
        defer { scratch.deallocate() }
        for block in blockRange {
          if monitor.isCancelled { return }
          // The first chunk's share stands for the whole (the chunks are equal).
          if blockRange.lowerBound == 0 {
            monitor.report(phase, Double(block) / Double(blockRange.count))
          }
          let rows = (block * blockRows)..<min(count, (block + 1) * blockRows)
          distanceBlock(
            queries: data, queryNorms: norms.baseAddress!, data: data, norms: norms.baseAddress!,
            count: count, dimensions: dimensions, rows: rows, output: scratch)
          for (r, i) in rows.enumerated() { body(i, scratch + r * count) }
        }
      }
    }
  }

  /// The `k` nearest other points of every point (k < count), ties broken by the lower index.
  /// Returns an incomplete graph once `monitor` cancels (the caller checks it).
  public static func exact(
    data: [Float], count: Int, dimensions: Int, k: Int, monitor: TSNEPreparationMonitor = .none
  ) -> NeighbourGraph {
    precondition(data.count == count * dimensions, "data is not count x dimensions")
    precondition(k > 0 && k < count, "k must be in 1..<count")
    var indices = [Int32](repeating: 0, count: count * k)
    var distances = [Float](repeating: 0, count: count * k)
    data.withUnsafeBufferPointer { data in
      indices.withUnsafeMutableBufferPointer { indices in
        distances.withUnsafeMutableBufferPointer { distances in
          let outIndices = indices.baseAddress!
          let outDistances = distances.baseAddress!
          forEachDistanceRow(
            data: data.baseAddress!, count: count, dimensions: dimensions, monitor: monitor
          ) { i, row in
            selectSmallest(
              row: row, count: count, skipping: i, k: k,
              indices: outIndices + i * k, distances: outDistances + i * k)
          }
        }
      }
    }
    return NeighbourGraph(count: count, k: k, indices: indices, squaredDistances: distances)
  }

  /// The k nearest rows of `data` (dataCount x dimensions) to each row of `queries`
  /// (count x dimensions); a query equal to a data row finds it at distance 0. Both should be
  /// centred by the same means.
  public static func exact(
    queries: [Float], count: Int, data: [Float], dataCount: Int, dimensions: Int, k: Int
  ) -> NeighbourGraph {
    precondition(queries.count == count * dimensions && data.count == dataCount * dimensions)
    precondition(k > 0 && k <= dataCount, "k must be in 1...dataCount")
    var indices = [Int32](repeating: 0, count: count * k)
    var distances = [Float](repeating: 0, count: count * k)
    let blocks = (count + blockRows - 1) / blockRows
    queries.withUnsafeBufferPointer { queries in
      data.withUnsafeBufferPointer { data in
        indices.withUnsafeMutableBufferPointer { indices in
          distances.withUnsafeMutableBufferPointer { distances in
            let (q, x) = (queries.baseAddress!, data.baseAddress!)
            let (outIndices, outDistances) = (indices.baseAddress!, distances.baseAddress!)
            let dataNorms = squaredNorms(x, count: dataCount, dimensions: dimensions)
            let queryNorms = squaredNorms(q, count: count, dimensions: dimensions)
            Parallel.forChunks(count: blocks, minimumPerThread: 1) { blockRange in
              let scratch = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * dataCount)
              defer { scratch.deallocate() }
              for block in blockRange {
                let rows = (block * blockRows)..<min(count, (block + 1) * blockRows)
                distanceBlock(
                  queries: q, queryNorms: queryNorms, data: x, norms: dataNorms, count: dataCount,
                  dimensions: dimensions, rows: rows, output: scratch)
                for (r, i) in rows.enumerated() {
                  let row = scratch + r * dataCount
                  selectSmallest(
                    row: row, count: dataCount, skipping: -1, k: k,
                    indices: outIndices + i * k, distances: outDistances + i * k)
                }
              }
            }
          }
        }
      }
    }
    return NeighbourGraph(count: count, k: k, indices: indices, squaredDistances: distances)
  }

  /// The k smallest entries of `row` (except `skipping`) in increasing (distance, index)
  /// order, with a bounded max-heap (`NeighbourHeapRow`, the one NN-descent uses): most
  /// entries are rejected by one comparison.
  static func selectSmallest(
    row: UnsafePointer<Float>, count: Int, skipping: Int, k: Int,
    indices: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>
  ) {
    // Empty slots (infinity, Int32.max) are displaced by any real entry; equal distances keep
    // the earlier (lower) index already in the heap, as the scan runs in index order.
    distances.update(repeating: .infinity, count: k)
    indices.update(repeating: .max, count: k)
    let heap = NeighbourHeapRow(indices: indices, distances: distances, isNew: nil, k: k)
    var j = 0
    while j < count {
      // Most blocks of 16 hold nothing nearer than the heap's top.
      if j + 16 <= count,
        !any(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self) .< distances[0])
      {
        j += 16
        continue
      }
      if j != skipping { heap.push(Int32(j), row[j]) }
      j += 1
    }
    heap.sortAscending()
  }
}
