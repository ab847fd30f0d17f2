import Tensor

/// Seeded synthetic data for t-SNE tests and benchmarks: `clusters` isotropic Gaussian blobs
/// whose centres are drawn from N(0, spread^2) per coordinate, points from N(centre, noise^2).
public struct GaussianClusters: Sendable {
  public let count: Int
  public let dimensions: Int
  /// count x dimensions, row-major; points of one cluster are contiguous.
  public let data: [Float]
  public let labels: [Int]

  public init(
    count: Int, dimensions: Int, clusters: Int, spread: Double = 4, noise: Double = 1,
    seed: UInt64 = 0
  ) {
    precondition(count >= 0 && dimensions > 0 && clusters > 0, "invalid cluster set size")
    var random = RandomGenerator(seed: seed)
    let centres = (0..<(clusters * dimensions)).map { _ in spread * random.nextNormal() }
    var data = [Float]()
    data.reserveCapacity(count * dimensions)
    var labels = [Int]()
    labels.reserveCapacity(count)
    for i in 0..<count {
      let cluster = i * clusters / max(1, count)
      labels.append(cluster)
      for d in 0..<dimensions {
        data.append(Float(centres[cluster * dimensions + d] + noise * random.nextNormal()))
      }
    }
    self.count = count
    self.dimensions = dimensions
    self.data = data
    self.labels = labels
  }
}
