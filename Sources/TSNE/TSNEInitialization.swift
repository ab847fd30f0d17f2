import Tensor

extension TSNE {
  /// The data with each column's mean removed (computed in Double, in row order): PCA needs
  /// it, and the GEMM distance expansion loses precision far from the origin.
  public static func centred(_ data: [Float], count: Int, dimensions: Int) -> [Float] {
    let means = columnMeans(data, count: count, dimensions: dimensions)
    var result = data
    for i in 0..<count {
      for d in 0..<dimensions { result[i * dimensions + d] -= means[d] }
    }
    return result
  }

  /// Each column's mean, summed in Double in row order.
  static func columnMeans(_ data: [Float], count: Int, dimensions: Int) -> [Float] {
    var mean = [Double](repeating: 0, count: dimensions)
    for i in 0..<count {
      for d in 0..<dimensions { mean[d] += Double(data[i * dimensions + d]) }
    }
    return mean.map { Float($0 / Double(count)) }
  }

  /// PCA scaled so that the first coordinate's standard deviation is 1e-4 (scikit-learn's
  /// `init='pca'`), or N(0, 1e-4^2) from the seed. PCA falls back to random for 1-D input or
  /// when the data has no spread. `data` is centred, or `means` are its column means.
  static func initialEmbedding(
    _ data: [Float], means: [Float]? = nil, count: Int, dimensions: Int, options: TSNEOptions,
    monitor: TSNEPreparationMonitor = .none
  ) -> [Float] {
    if let given = options.initialEmbedding { return given }
    if options.initialization == .pca, dimensions >= 2 {
      var projection = PrincipalComponents.project(
        data, means: means, count: count, dimensions: dimensions, components: 2,
        monitor: monitor)
      var mean = 0.0
      for i in 0..<count { mean += Double(projection[2 * i]) }
      mean /= Double(count)
      var variance = 0.0
      for i in 0..<count {
        let d = Double(projection[2 * i]) - mean
        variance += d * d
      }
      let deviation = (variance / Double(count)).squareRoot()
      if deviation > 0, deviation.isFinite {
        let scale = Float(1e-4 / deviation)
        for k in projection.indices { projection[k] *= scale }
        return projection
      }
    }
    var random = RandomGenerator(seed: options.seed)
    return (0..<(2 * count)).map { _ in Float(1e-4 * random.nextNormal()) }
  }
}
