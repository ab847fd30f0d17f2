import TSNE
import VLP

/// Which learned features a projection shows.
public enum FeatureKind: String, Sendable, CaseIterable {
  /// Region / patch and word tokens of objects (Oscar's Fig. 4).
  case tokens
  /// One embedding per image and per caption (ALBEF's ITC space; Oscar's fused [CLS]).
  case cls
}

/// How many points a projection takes: the first pairs of the held-out split, or pairs (held-out
/// first) until a number of points is reached.
public enum ProjectionSize: Sendable, Equatable {
  case pairs(Int)
  case points(Int)
}

/// Features of a projection with the pairs they came from (so a later checkpoint's features of
/// the same pairs can be placed into the same map).
public struct ProjectionFeatures: Sendable {
  public var features: TokenFeatureSet
  public var pairs: [Int]
  /// Points were asked for but the data has fewer: every pair was taken.
  public var isShort: Bool
}

extension Pretrainer {
  /// The features a projection of `kind` shows, for the first `pairs` clean held-out pairs.
  public func projectionFeatures(_ kind: FeatureKind, pairs: Int) throws -> TokenFeatureSet {
    try featureProbe.projectionFeatures(kind, pairs: pairs)
  }

  /// See `FeatureProbe.projectionFeatures(_:of:progress:)`.
  public func projectionFeatures(_ kind: FeatureKind, of pairs: [Int]) throws -> TokenFeatureSet {
    try featureProbe.projectionFeatures(kind, of: pairs)
  }

  /// See `FeatureProbe.projectionPairOrder`.
  public var projectionPairOrder: [Int] { featureProbe.projectionPairOrder }

  /// See `FeatureProbe.projectionFeatures(_:size:progress:)`.
  public func projectionFeatures(
    _ kind: FeatureKind, size: ProjectionSize, progress: (Int) throws -> Void = { _ in }
  ) throws -> ProjectionFeatures {
    try featureProbe.projectionFeatures(kind, size: size, progress: progress)
  }
}

/// The same questions of a probe, so that a copy of the weights (`DetachedFeatureProbe`) reads
/// them on a projection job's thread exactly as the training thread would.
extension FeatureProbe {
  /// Pairs per forward chunk between two progress reports (and Esc checks); a multiple of the
  /// probes' batch of 64, so the batches (and so the features) are those of one call.
  static let projectionChunk = 256

  /// The features a projection of `kind` shows, for the first `pairs` clean held-out pairs.
  public func projectionFeatures(_ kind: FeatureKind, pairs: Int) throws -> TokenFeatureSet {
    try projectionFeatures(kind, of: Array(data.cleanTestIndices.prefix(pairs)))
  }

  /// The features of exactly these pairs, in this order, read `projectionChunk` pairs at a time:
  /// `progress` hears the points read so far after each chunk; what it throws (a cancellation)
  /// ends the reading.
  public func projectionFeatures(
    _ kind: FeatureKind, of pairs: [Int], progress: (Int) throws -> Void = { _ in }
  ) throws -> TokenFeatureSet {
    try readChunks(kind, of: pairs, until: nil, progress: progress).features
  }

  /// The pairs a projection takes, in order: the clean held-out pairs, the validation pairs, the
  /// other test pairs, then the training pairs (a projection of 50,000 points needs more pairs
  /// than most held-out splits have).
  public var projectionPairOrder: [Int] {
    var seen = Set<Int>()
    return (data.cleanTestIndices + data.validationIndices + data.testIndices + data.trainIndices)
      .filter { seen.insert($0).inserted }
  }

  /// Features of `size`: `.points(n)` reads pairs in `projectionPairOrder`, a chunk at a time,
  /// until n points are read, and keeps the first n. `progress` hears the points read so far
  /// after each chunk; what it throws (a cancellation) ends the reading.
  public func projectionFeatures(
    _ kind: FeatureKind, size: ProjectionSize, progress: (Int) throws -> Void = { _ in }
  ) throws -> ProjectionFeatures {
    switch size {
    case .pairs(let count):
      let pairs = Array(data.cleanTestIndices.prefix(count))
      return ProjectionFeatures(
        features: try projectionFeatures(kind, of: pairs, progress: progress), pairs: pairs,
        isShort: false)
    case .points(let target):
      let read = try readChunks(kind, of: projectionPairOrder, until: target) {
        try progress(min($0, target))
      }
      return ProjectionFeatures(
        features: read.features.prefix(target), pairs: read.pairs,
        isShort: read.features.labels.count < target)
    }
  }

  /// Reads `order` a chunk at a time until `target` points (nil: every pair).
  private func readChunks(
    _ kind: FeatureKind, of order: [Int], until target: Int?, progress: (Int) throws -> Void
  ) throws -> (features: TokenFeatureSet, pairs: [Int]) {
    var taken = try features(kind, of: [])
    var pairs: [Int] = []
    var start = 0
    while taken.labels.count < target ?? .max, start < order.count {
      let chunk = Array(order[start..<min(order.count, start + Self.projectionChunk)])
      start += chunk.count
      let read = try features(kind, of: chunk)
      taken.dimension = read.dimension
      taken.values += read.values
      taken.labels += read.labels
      pairs += chunk
      try progress(taken.labels.count)
    }
    return (taken, pairs)
  }

  private func features(_ kind: FeatureKind, of pairs: [Int]) throws -> TokenFeatureSet {
    switch kind {
    case .tokens: return try tokenFeatures(pairs: pairs)
    case .cls: return try pairFeatures(pairs: pairs)
    }
  }
}

extension TokenFeatureSet {
  /// The first `count` points (all of them when there are fewer).
  public func prefix(_ count: Int) -> TokenFeatureSet {
    guard count < labels.count else { return self }
    var first = self
    first.values = Array(values.prefix(count * dimension))
    first.labels = Array(labels.prefix(count))
    return first
  }
}
