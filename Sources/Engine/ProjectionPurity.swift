import Tensor

/// kNN class purity of a map: the mean share of a point's k nearest neighbours in the map that
/// share its class. Exact for up to `exactLimit` points; above it, the mean over a seeded sample
/// of `exactLimit` query points, each against every point (the sample's standard error is at
/// most 0.5 / sqrt(exactLimit), under 0.016), so 50,000 points cost about 50 million distances,
/// not 2.5 billion.
public enum ProjectionPurity {
  public static let exactLimit = 1000

  public static func score(embedding: [Float], classes: [Int], k: Int = 10, seed: UInt64 = 1)
    -> Double
  {
    let count = classes.count
    guard count > k, embedding.count == 2 * count else { return 0 }
    let queries = count <= exactLimit ? Array(0..<count) : sample(count, seed: seed)
    var total = 0.0
    var nearest: [(distance: Float, index: Int)] = []
    nearest.reserveCapacity(k + 1)
    for i in queries {
      nearest.removeAll(keepingCapacity: true)
      let (x, y) = (embedding[2 * i], embedding[2 * i + 1])
      for j in 0..<count where j != i {
        let (dx, dy) = (embedding[2 * j] - x, embedding[2 * j + 1] - y)
        let distance = dx * dx + dy * dy
        // Sorted insertion into the k best so far (ties: the lower index first).
        if nearest.count == k, distance >= nearest[k - 1].distance { continue }
        var at = nearest.count
        while at > 0, nearest[at - 1].distance > distance { at -= 1 }
        nearest.insert((distance, j), at: at)
        if nearest.count > k { nearest.removeLast() }
      }
      total += Double(nearest.filter { classes[$0.index] == classes[i] }.count) / Double(k)
    }
    return total / Double(queries.count)
  }

  /// `exactLimit` distinct indices below `count` (a seeded partial Fisher-Yates shuffle).
  static func sample(_ count: Int, seed: UInt64) -> [Int] {
    var indices = Array(0..<count)
    var random = RandomGenerator(seed: seed)
    for i in 0..<exactLimit {
      indices.swapAt(i, i + random.nextInt(below: count - i))
    }
    return Array(indices.prefix(exactLimit))
  }
}
