/// The settings of one t-SNE run. The defaults are scikit-learn's (`TSNE()` in 1.x with
/// `init='pca'`, `learning_rate='auto'`), which follow van der Maaten's reference code, with
/// openTSNE's limit on a point's step (`maximumStepNorm`).
public struct TSNEOptions: Sendable, Equatable {
  /// These options with the perplexity lowered, where needed, to a third of the neighbours
  /// `count` points have: projections of a few held-out pairs stay valid (perplexity < N).
  public func fitted(toPoints count: Int) -> TSNEOptions {
    var options = self
    options.perplexity = min(perplexity, Double(max(1, count - 1)) / 3)
    return options
  }

  /// How the gradient is computed.
  public enum Method: String, Sendable, Equatable, CaseIterable {
    /// All N^2 pairs: O(N^2) per iteration, for small N.
    case exact
    /// Sparse input affinities (3 x perplexity neighbours) and a quadtree for the repulsion:
    /// O(N log N) per iteration.
    case barnesHut = "barnes-hut"
    /// Sparse input affinities and FFT-accelerated interpolation of the repulsion (FIt-SNE):
    /// O(N) per iteration plus an FFT whose size grows with the embedding's extent.
    case fft
    /// Exact up to `exactMaximumPoints` points; above, sparse affinities and, at every
    /// gradient evaluation, whichever of Barnes-Hut and the FFT a measured cost model
    /// (`InterpolatedRepulsion.isCheaperThanBarnesHut`) says is cheaper for the map's extent
    /// and N: the FFT while a large map is compact, Barnes-Hut once it has spread.
    case automatic = "auto"
  }

  /// How the neighbours behind the sparse affinities are found.
  public enum NeighbourSearch: String, Sendable, Equatable, CaseIterable {
    /// Every pair's distance (blocked GEMM): O(N^2 D).
    case exact
    /// NN-descent from random-projection trees (`NeighbourDescent`), seeded by `seed`.
    case approximate
    /// Exact below `approximateNeighboursMinimumPoints`, approximate from there.
    case automatic = "auto"
  }

  /// Where the optimisation starts.
  public enum Initialization: String, Sendable, Equatable {
    /// The first two principal components, scaled so that the first has standard deviation
    /// 1e-4 (scikit-learn's `init='pca'`).
    case pca
    /// Gaussian with standard deviation 1e-4, from `seed` (scikit-learn's `init='random'`).
    case random
  }

  /// The effective number of neighbours each point's Gaussian covers; must be below N.
  public var perplexity: Double = 30
  /// Total iterations, the early-exaggeration phase included.
  public var iterations: Int = 1000
  public var method: Method = .automatic
  public var neighbourSearch: NeighbourSearch = .automatic
  /// The smallest N for which `.automatic` searches neighbours approximately (measured where
  /// the approximate search becomes faster: docs/projection.md).
  public var approximateNeighboursMinimumPoints: Int = 40_000
  /// The approximate search's trees, candidates and rounds.
  public var neighbourDescent = NeighbourDescent.Settings()
  /// The largest N for which `.automatic` picks the exact method.
  public var exactMaximumPoints: Int = 1000
  /// Barnes-Hut accuracy: a cell of width w at distance d is summarised when w / d < theta.
  public var theta: Double = 0.5
  public var earlyExaggeration: Double = 12
  public var exaggerationIterations: Int = 250
  /// Multiplies P after the early-exaggeration phase (openTSNE's `exaggeration`; 1 = none).
  /// Values of 2 to 4 tighten clusters of large sets (Kobak and Berens 2019).
  public var exaggeration: Double = 1
  /// Momentum during the exaggeration phase, and after it.
  public var initialMomentum: Double = 0.5
  public var finalMomentum: Double = 0.8
  /// nil means scikit-learn's 'auto': max(N / earlyExaggeration / 4, 50).
  public var learningRate: Double? = nil
  public var minimumGain: Double = 0.01
  /// The longest step a point may take in one iteration (openTSNE's `max_step_norm`, its
  /// default 5): a longer one is scaled down to this length, keeping its direction. nil: no
  /// limit (scikit-learn). Why: with large N's learning rate a few points shoot far off during
  /// early exaggeration (a million points: the map 1,200 units wide while its bulk is tens), and
  /// the FFT's grid, sized by the map's extent, can then no longer cover it.
  public var maximumStepNorm: Double? = 5
  /// Stops when the gradient's norm falls below this (checked every `checkInterval`).
  public var minimumGradientNorm: Double = 1e-7
  /// Stops after this many iterations of the final phase without a better KL divergence
  /// (the exaggeration phase uses its own length, as scikit-learn does).
  public var iterationsWithoutProgress: Int = 300
  /// How often the KL divergence is computed and the stopping rules checked.
  public var checkInterval: Int = 50
  public var initialization: Initialization = .pca
  /// A starting embedding (count x 2, row-major), used as given instead of `initialization`
  /// (openTSNE's advice: scale it to a standard deviation of 1e-4).
  public var initialEmbedding: [Float]? = nil
  /// Seeds the random initialisation (PCA is deterministic without it).
  public var seed: UInt64 = 0

  public init() {}

  /// The method used for `count` points.
  public func resolvedMethod(count: Int) -> Method {
    switch method {
    case .automatic:
      return count <= exactMaximumPoints ? .exact : .automatic
    case .exact, .barnesHut, .fft: return method
    }
  }

  /// The neighbour search used for `count` points (sparse affinities only).
  public func resolvedNeighbourSearch(count: Int) -> NeighbourSearch {
    switch neighbourSearch {
    case .automatic: return count < approximateNeighboursMinimumPoints ? .exact : .approximate
    case .exact, .approximate: return neighbourSearch
    }
  }

  /// The step size for `count` points.
  public func resolvedLearningRate(count: Int) -> Double {
    learningRate ?? max(Double(count) / earlyExaggeration / 4, 50)
  }

  /// How many nearest neighbours the Barnes-Hut affinities keep (scikit-learn's rule).
  public func neighbourCount(count: Int) -> Int {
    min(count - 1, Int(3 * perplexity + 1))
  }

  /// Checks every option against `count` points; the error names the option and the fix.
  public func validate(count: Int) throws {
    func fail(_ name: String, _ reason: String) -> TSNEError {
      .invalidOption(name: name, reason: reason)
    }
    guard perplexity.isFinite, perplexity > 0 else {
      throw fail("perplexity", "must be a positive number, got \(perplexity)")
    }
    guard perplexity < Double(count) else {
      throw fail(
        "perplexity",
        "must be less than the number of points (\(count)), got \(perplexity);"
          + " typical values are 5 to 50")
    }
    guard iterations >= 0 else { throw fail("iterations", "must not be negative") }
    guard theta.isFinite, theta >= 0 else {
      throw fail("theta", "must be a non-negative number, got \(theta)")
    }
    guard earlyExaggeration.isFinite, earlyExaggeration >= 1 else {
      throw fail("earlyExaggeration", "must be at least 1, got \(earlyExaggeration)")
    }
    guard exaggeration.isFinite, exaggeration > 0 else {
      throw fail("exaggeration", "must be a positive number, got \(exaggeration)")
    }
    if let initialEmbedding {
      guard initialEmbedding.count == 2 * count else {
        throw fail(
          "initialEmbedding",
          "must hold \(count) points x 2 coordinates, got \(initialEmbedding.count) values")
      }
      if let bad = initialEmbedding.firstIndex(where: { !$0.isFinite }) {
        throw fail("initialEmbedding", "point \(bad / 2) has a NaN or infinite coordinate")
      }
    }
    guard exaggerationIterations >= 0 else {
      throw fail("exaggerationIterations", "must not be negative")
    }
    for (name, value) in [("initialMomentum", initialMomentum), ("finalMomentum", finalMomentum)] {
      guard value >= 0, value < 1 else { throw fail(name, "must be in [0, 1), got \(value)") }
    }
    if let learningRate {
      guard learningRate.isFinite, learningRate > 0 else {
        throw fail("learningRate", "must be positive, got \(learningRate)")
      }
    }
    if let maximumStepNorm {
      guard maximumStepNorm.isFinite, maximumStepNorm > 0 else {
        throw fail("maximumStepNorm", "must be a positive number or none, got \(maximumStepNorm)")
      }
    }
    guard minimumGain > 0, minimumGain <= 1 else {
      throw fail("minimumGain", "must be in (0, 1], got \(minimumGain)")
    }
    guard checkInterval > 0 else { throw fail("checkInterval", "must be positive") }
    guard iterationsWithoutProgress > 0 else {
      throw fail("iterationsWithoutProgress", "must be positive")
    }
  }
}
