import Tensor

extension Trustworthiness {
  /// T(k) estimated from a seeded sample of `queries` points: for each query the exact input
  /// ranks (a full distance row) and its exact k nearest embedded neighbours, the penalties
  /// summed and scaled by N / queries. The sum over all points is a sum of per-point terms, so
  /// this is an unbiased estimate of `score`, whose standard error falls like
  /// 1 / sqrt(queries); with every point as a query it is `score` itself. Cost:
  /// O(queries x N x D) instead of O(N^2 D), so it stays quick at a million points.
  public static func estimate(
    original: [Float], dimensions: Int, embedding: [Float], neighbours k: Int = 10,
    queries: Int, seed: UInt64 = 0
  ) throws -> Double {
    let count = dimensions > 0 ? original.count / dimensions : 0
    guard dimensions > 0, original.count == count * dimensions, embedding.count == 2 * count
    else {
      throw TSNEError.shapeMismatch(values: original.count, points: count, dimensions: dimensions)
    }
    guard k >= 1, 2 * k < count else {
      throw TSNEError.invalidOption(
        name: "neighbours",
        reason: "must be at least 1 and below half the points (\(count)), got \(k)")
    }
    let sample = sampleIndices(count: count, queries: min(max(1, queries), count), seed: seed)
    let input = TSNE.centred(original, count: count, dimensions: dimensions)
    let norms = input.withUnsafeBufferPointer {
      NearestNeighbours.squaredNorms($0.baseAddress!, count: count, dimensions: dimensions)
    }
    // Rows of distances per block: at most 16 M floats (64 MB) per thread, so that a million
    // points do not take 256 MB a thread; the same as the exact search's blocks below 262,144.
    let blockRows = max(1, min(NearestNeighbours.blockRows, (1 << 24) / max(1, count)))
    let blocks = (sample.count + blockRows - 1) / blockRows
    var penalties = [Int](repeating: 0, count: sample.count)
    input.withUnsafeBufferPointer { input in
      embedding.withUnsafeBufferPointer { embedding in
        norms.withUnsafeBufferPointer { norms in
          penalties.withUnsafeMutableBufferPointer { penalties in
            let (x, y, nn, out) = (
              input.baseAddress!, embedding.baseAddress!, norms.baseAddress!, penalties.baseAddress!
            )
            Parallel.forChunks(count: blocks, minimumPerThread: 1) { range in
              let rows = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * count)
              let gathered = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * dimensions)
              let embedded = UnsafeMutablePointer<Float>.allocate(capacity: count)
              let near = UnsafeMutablePointer<Int32>.allocate(capacity: k)
              let nearDistances = UnsafeMutablePointer<Float>.allocate(capacity: k)
              defer {
                for pointer in [rows, gathered, embedded, nearDistances] { pointer.deallocate() }
                near.deallocate()
              }
              for block in range {
                let members = sample[(block * blockRows)..<min(sample.count, (block + 1) * blockRows)]
                for (r, i) in members.enumerated() {
                  (gathered + r * dimensions).update(from: x + i * dimensions, count: dimensions)
                }
                GEMM.multiply(
                  m: members.count, n: count, k: dimensions, a: gathered, lda: dimensions,
                  transposeA: false, b: x, ldb: dimensions, transposeB: true, c: rows, ldc: count,
                  alpha: -2, threads: 1)
                for (r, i) in members.enumerated() {
                  let row = rows + r * count
                  for j in 0..<count { row[j] = max(0, row[j] + nn[i] + nn[j]) }
                  row[i] = 0
                  for j in 0..<count {
                    let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1])
                    embedded[j] = dx * dx + dy * dy
                  }
                  NearestNeighbours.selectSmallest(
                    row: embedded, count: count, skipping: i, k: k, indices: near,
                    distances: nearDistances)
                  var penalty = 0
                  for t in 0..<k {
                    penalty += max(0, rank(of: Int(near[t]), in: row, count: count, excluding: i) - k)
                  }
                  out[block * blockRows + r] = penalty
                }
              }
            }
          }
        }
      }
    }
    let total = Double(penalties.reduce(0, +)) * Double(count) / Double(sample.count)
    let (n, kk) = (Double(count), Double(k))
    return 1 - total * 2 / (n * kk * (2 * n - 3 * kk - 1))
  }

  /// `queries` distinct indices in increasing order (a seeded partial shuffle).
  static func sampleIndices(count: Int, queries: Int, seed: UInt64) -> [Int] {
    var indices = Array(0..<count)
    var random = RandomGenerator(seed: seed)
    for t in 0..<queries {
      indices.swapAt(t, t + random.nextInt(below: count - t))
    }
    return indices.prefix(queries).sorted()
  }
}
