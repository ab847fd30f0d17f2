import Tensor

extension TSNE {
  /// The preparation phase of `init`: input affinities P (the expensive part for large N:
  /// neighbour search, perplexity calibration, symmetrisation) and the initial embedding.
  /// Throws `CancellationError` once `monitor` reports a cancellation.
  ///
  /// Sparse affinities and the embedding come back in a `LocalityOrder` (returned with them);
  /// the exact method keeps the caller's order (nil).
  static func prepare(
    data: [Float], count: Int, dimensions: Int, method: TSNEOptions.Method, options: TSNEOptions,
    monitor: TSNEPreparationMonitor
  ) throws -> (affinities: TSNEAffinities, embedding: [Float], order: LocalityOrder?) {
    if method == .exact {
      let centred = Self.centred(data, count: count, dimensions: dimensions)
      let affinities = TSNEAffinities.dense(
        data: centred, count: count, dimensions: dimensions, perplexity: options.perplexity,
        monitor: monitor)
      try monitor.throwIfCancelled()
      let embedding = Self.initialEmbedding(
        centred, count: count, dimensions: dimensions, options: options, monitor: monitor)
      try monitor.throwIfCancelled()
      monitor.report(.initialisation, 1)
      return (affinities, embedding, nil)
    }
    let k = options.neighbourCount(count: count)
    let graph: NeighbourGraph
    var means: [Float]? = nil
    var centred: [Float] = []
    if options.resolvedNeighbourSearch(count: count) == .exact {
      centred = Self.centred(data, count: count, dimensions: dimensions)
      graph = NearestNeighbours.exact(
        data: centred, count: count, dimensions: dimensions, k: k, monitor: monitor)
    } else {
      // NN-descent measures differences directly and PCA subtracts the means itself, so the
      // input is never copied: at a million points x 128 that copy alone is 512 MB.
      graph = NeighbourDescent.search(
        data: data, count: count, dimensions: dimensions, k: k, seed: options.seed,
        settings: options.neighbourDescent, monitor: monitor
      ).graph
      means = Self.columnMeans(data, count: count, dimensions: dimensions)
    }
    try monitor.throwIfCancelled()
    let order = data.withUnsafeBufferPointer {
      LocalityOrder(data: $0.baseAddress!, count: count, dimensions: dimensions, seed: options.seed)
    }
    let affinities = try TSNEAffinities.sparse(
      graph: order.relabel(consume graph), perplexity: options.perplexity, monitor: monitor)
    try monitor.throwIfCancelled()
    // PCA last: its scores (N x 8 floats) are allocated once the symmetrisation's positions are
    // freed, not beside them.
    let embedding = Self.initialEmbedding(
      means == nil ? centred : data, means: means, count: count, dimensions: dimensions,
      options: options, monitor: monitor)
    try monitor.throwIfCancelled()
    monitor.report(.initialisation, 1)
    return (affinities, order.toInternal(embedding), order)
  }
}
