import Tensor

/// Each point's k nearest other points, nearest first: `indices[i * k + r]` is the r-th
/// neighbour of point i and `squaredDistances[i * k + r]` its squared Euclidean distance.
public struct NeighbourGraph: Sendable, Equatable {
  public let count: Int
  public let k: Int
  public let indices: [Int32]
  public let squaredDistances: [Float]
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
  /// block in parallel; `body` must only write memory that belongs to point i.
  static func forEachDistanceRow(
    data: UnsafePointer<Float>, count: Int, dimensions: Int,
    _ body: (Int, UnsafePointer<Float>) -> Void
  ) {
    let norms = squaredNorms(data, count: count, dimensions: dimensions)
    let blocks = (count + blockRows - 1) / blockRows
    norms.withUnsafeBufferPointer { norms in
      Parallel.forChunks(count: blocks, minimumPerThread: 1) { blockRange in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * count)
        defer { scratch.deallocate() }
        for block in blockRange {
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
  public static func exact(data: [Float], count: Int, dimensions: Int, k: Int) -> NeighbourGraph {
    precondition(data.count == count * dimensions, "data is not count x dimensions")
    precondition(k > 0 && k < count, "k must be in 1..<count")
    var indices = [Int32](repeating: 0, count: count * k)
    var distances = [Float](repeating: 0, count: count * k)
    data.withUnsafeBufferPointer { data in
      indices.withUnsafeMutableBufferPointer { indices in
        distances.withUnsafeMutableBufferPointer { distances in
          let outIndices = indices.baseAddress!
          let outDistances = distances.baseAddress!
          forEachDistanceRow(data: data.baseAddress!, count: count, dimensions: dimensions) {
            i, row in
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
  /// order, with a bounded max-heap: most entries are rejected by one comparison.
  static func selectSmallest(
    row: UnsafePointer<Float>, count: Int, skipping: Int, k: Int,
    indices: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>
  ) {
    // The heap lives in the outputs; (distance, index) pairs compare lexicographically.
    @inline(__always) func greater(_ a: Int, _ b: Int) -> Bool {
      distances[a] > distances[b] || (distances[a] == distances[b] && indices[a] > indices[b])
    }
    @inline(__always) func swapAt(_ a: Int, _ b: Int) {
      let (d, x) = (distances[a], indices[a])
      (distances[a], indices[a]) = (distances[b], indices[b])
      (distances[b], indices[b]) = (d, x)
    }
    func siftDown(_ start: Int, _ size: Int) {
      var parent = start
      while true {
        let left = 2 * parent + 1
        if left >= size { return }
        var largest = left
        if left + 1 < size, greater(left + 1, left) { largest = left + 1 }
        if !greater(largest, parent) { return }
        swapAt(parent, largest)
        parent = largest
      }
    }
    var size = 0
    var j = 0
    while j < count {
      // Once the heap is full, most blocks of 16 hold nothing nearer than its top.
      if size == k, j + 16 <= count,
        !any(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self) .< distances[0])
      {
        j += 16
        continue
      }
      defer { j += 1 }
      if j == skipping { continue }
      let d = row[j]
      if size < k {
        distances[size] = d
        indices[size] = Int32(j)
        var child = size
        size += 1
        while child > 0 {
          let parent = (child - 1) / 2
          if !greater(child, parent) { break }
          swapAt(child, parent)
          child = parent
        }
      } else if d < distances[0] {
        // Equal distances keep the earlier (lower) index already in the heap.
        distances[0] = d
        indices[0] = Int32(j)
        siftDown(0, k)
      }
    }
    // Heap sort in place: the largest goes to the end.
    var end = k
    while end > 1 {
      end -= 1
      swapAt(0, end)
      siftDown(0, end)
    }
  }
}
