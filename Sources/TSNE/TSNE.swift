import Foundation
import Tensor

/// t-SNE (van der Maaten and Hinton 2008; Barnes-Hut: van der Maaten 2014) as an object that
/// advances a few iterations at a time, so a screen can animate the embedding while it forms.
///
///     var tsne = try TSNE(data: features, count: n, dimensions: d)
///     while !tsne.isFinished {
///       tsne.step(iterations: 10)
///       draw(tsne.embedding, tsne.iteration, tsne.klDivergence)
///     }
///
/// The optimiser is scikit-learn's: gradient descent with momentum and per-coordinate gains,
/// early exaggeration of P for the first iterations, then a second phase with fresh momentum
/// and gains. The same data, options and seed give bit-identical embeddings for any thread
/// count (see docs/projection.md).
public struct TSNE: Sendable {
  /// Why the optimisation ended before `options.iterations` (scikit-learn's stopping rules).
  public enum StopReason: String, Sendable, Equatable {
    case iterationsDone = "iterations done"
    case noProgress = "no progress"
    case smallGradient = "gradient norm below the minimum"
  }

  public let count: Int
  public let dimensions: Int
  public let options: TSNEOptions
  /// The method in use: `.exact` when `.automatic` resolved to it, `.automatic` for the
  /// per-evaluation choice between Barnes-Hut and the FFT.
  public let method: TSNEOptions.Method
  public let learningRate: Double
  /// Iterations done so far.
  public private(set) var iteration = 0
  /// The current 2-D embedding, `count` (x, y) pairs in the caller's order.
  public var embedding: [Float] { order?.toOriginal(positions) ?? positions }
  /// The embedding in the internal order of the points (`order`), which the gradient uses.
  private var positions: [Float]
  /// The points' relabelling for sparse affinities (nil: the caller's order): first the
  /// input's `LocalityOrder`, then the map's (`SpatialOrder`) at `relabelsSpatially`.
  private(set) var order: LocalityOrder?
  /// KL(P || Q) at the last check (every `options.checkInterval` iterations and the last one),
  /// always against the un-exaggerated P; nil before the first check.
  public private(set) var klDivergence: Double?
  /// The iteration whose positions `klDivergence` was measured at (before its update).
  public private(set) var klDivergenceIteration: Int?
  /// The norm of the last checked update direction (gradient times gains).
  public private(set) var gradientNorm: Double?
  public private(set) var stopReason: StopReason?
  /// True during early exaggeration.
  public private(set) var isExaggerating: Bool

  private(set) var affinities: TSNEAffinities
  private let negativeEntropy: Double
  private var workspace: TSNEGradient
  private var gradient: [Float]
  private var update: [Float]
  private var gains: [Float]
  private var bestError = Double.greatestFiniteMagnitude
  private var bestIteration = 0

  public var isFinished: Bool { stopReason != nil }

  /// How many gradient evaluations so far used the FFT-interpolated repulsion.
  public var interpolatedEvaluations: Int { workspace.interpolatedEvaluations }

  private var repulsion: TSNEGradient.Repulsion {
    switch method {
    case .fft: return .interpolated
    case .automatic: return .cheaper
    case .exact, .barnesHut: return .barnesHut
    }
  }

  /// Prepares a run on `count` points of `dimensions` values each (row-major `data`):
  /// validates the input and options, computes the input affinities (the expensive part for
  /// large N: neighbour search and perplexity calibration) and the initial embedding.
  /// `monitor` hears the preparation's progress and may cancel it (`CancellationError`).
  public init(
    data: [Float], count: Int, dimensions: Int, options: TSNEOptions = TSNEOptions(),
    monitor: TSNEPreparationMonitor = .none
  ) throws {
    guard count >= 4 else { throw TSNEError.tooFewPoints(count: count, minimum: 4) }
    guard dimensions >= 1, data.count == count * dimensions else {
      throw TSNEError.shapeMismatch(values: data.count, points: count, dimensions: dimensions)
    }
    if let bad = data.firstIndex(where: { !$0.isFinite }) {
      throw TSNEError.nonFiniteValue(point: bad / dimensions, dimension: bad % dimensions)
    }
    try options.validate(count: count)
    let method = options.resolvedMethod(count: count)
    if method == .exact, count > Self.exactMaximumPoints {
      throw TSNEError.tooManyPointsForExact(count: count, maximum: Self.exactMaximumPoints)
    }
    self.count = count
    self.dimensions = dimensions
    self.options = options
    self.method = method
    learningRate = options.resolvedLearningRate(count: count)

    (affinities, positions, order) = try Self.prepare(
      data: data, count: count, dimensions: dimensions, method: method, options: options,
      monitor: monitor)
    negativeEntropy = affinities.negativeEntropy
    workspace = TSNEGradient(count: count)
    gradient = [Float](repeating: 0, count: 2 * count)
    update = [Float](repeating: 0, count: 2 * count)
    gains = [Float](repeating: 1, count: 2 * count)
    isExaggerating = options.exaggerationIterations > 0
    if options.iterations == 0 { stopReason = .iterationsDone }
  }

  /// The exact method keeps N^2 floats of P (1.6 GB at this size).
  public static let exactMaximumPoints = 20_000

  /// One row per point; every row must have the same length.
  public init(rows: [[Float]], options: TSNEOptions = TSNEOptions()) throws {
    let dimensions = rows.first?.count ?? 0
    if let bad = rows.firstIndex(where: { $0.count != dimensions }) {
      throw TSNEError.invalidOption(
        name: "rows", reason: "row \(bad) has \(rows[bad].count) values, row 0 has \(dimensions)")
    }
    try self.init(
      data: rows.flatMap { $0 }, count: rows.count, dimensions: dimensions, options: options)
  }

  /// Point i of the embedding.
  public func point(_ i: Int) -> SIMD2<Float> {
    let a = order.map { Int($0.internalIndex[i]) } ?? i
    return SIMD2(positions[2 * a], positions[2 * a + 1])
  }

  /// Advances up to `iterations` iterations (fewer when the run finishes) and returns how many
  /// were done.
  @discardableResult
  public mutating func step(iterations: Int = 1) -> Int {
    var done = 0
    while done < iterations, !isFinished {
      stepOnce()
      done += 1
    }
    return done
  }

  /// Runs to the end and returns the embedding.
  @discardableResult
  public mutating func run() -> [Float] {
    while !isFinished { stepOnce() }
    return embedding
  }

  /// KL(P || Q) at the current positions, computed now (one gradient evaluation).
  public mutating func computeKLDivergence() -> Double {
    let z = workspace.evaluate(
      positions: positions, affinities: affinities, exaggeration: 1, theta: Float(options.theta),
      repulsion: repulsion, gradient: &gradient)
    return TSNEGradient.klDivergence(
      positions: positions, affinities: affinities, negativeEntropy: negativeEntropy, z: z)
  }

  public var snapshot: TSNESnapshot {
    TSNESnapshot(
      iteration: iteration, totalIterations: options.iterations, method: method,
      embedding: embedding, klDivergence: klDivergence,
      klDivergenceIteration: klDivergenceIteration,
      isExaggerating: isExaggerating, isFinished: isFinished)
  }

  private mutating func stepOnce() {
    let exaggeration = Float(isExaggerating ? options.earlyExaggeration : options.exaggeration)
    let momentum = Float(isExaggerating ? options.initialMomentum : options.finalMomentum)
    let checks =
      (iteration + 1) % options.checkInterval == 0 || iteration == options.iterations - 1
    let z = workspace.evaluate(
      positions: positions, affinities: affinities, exaggeration: exaggeration,
      theta: Float(options.theta), repulsion: repulsion, gradient: &gradient)
    var error = 0.0
    if checks {
      error = TSNEGradient.klDivergence(
        positions: positions, affinities: affinities, negativeEntropy: negativeEntropy, z: z)
      klDivergence = error
      klDivergenceIteration = iteration
    }
    let squaredNorm = GainsUpdate.apply(
      gradient: gradient, gains: &gains, update: &update, positions: &positions,
      momentum: momentum, rate: Float(learningRate), minimumGain: Float(options.minimumGain),
      maximumNorm: options.maximumStepNorm.map { Float($0) })
    var phaseEnded = false
    if checks {
      gradientNorm = squaredNorm.squareRoot()
      let patience =
        isExaggerating ? options.exaggerationIterations : options.iterationsWithoutProgress
      if error < bestError {
        bestError = error
        bestIteration = iteration
      } else if iteration - bestIteration > patience {
        phaseEnded = true
        if !isExaggerating { stopReason = .noProgress }
      }
      if squaredNorm.squareRoot() <= options.minimumGradientNorm {
        phaseEnded = true
        if !isExaggerating { stopReason = .smallGradient }
      }
    }
    iteration += 1
    if isExaggerating, phaseEnded || iteration >= options.exaggerationIterations {
      // scikit-learn runs the second phase as a fresh gradient descent.
      isExaggerating = false
      update = [Float](repeating: 0, count: 2 * count)
      gains = [Float](repeating: 1, count: 2 * count)
      bestError = .greatestFiniteMagnitude
      bestIteration = iteration
    }
    if iteration >= options.iterations, stopReason == nil { stopReason = .iterationsDone }
    if !isFinished, Self.relabelsSpatially(count: count, after: iteration) { relabelSpatially() }
  }

  /// Large sparse runs put the points in their map's order twice: when the exaggeration ends
  /// (the clusters have formed) and when the map has mostly settled (`SpatialOrder`). Not
  /// earlier: at iteration 50 an exaggerated map may still be forming, and the Z-order of a
  /// forming map need not bring the affinity neighbours together (measured faster on the
  /// bench's set, inconclusive on m1.npy, docs/benchmarks.md). Each costs two passes over P and
  /// a sort of its rows.
  static func relabelsSpatially(count: Int, after iteration: Int) -> Bool {
    count >= spatialOrderMinimumPoints && [250, 500].contains(iteration)
  }

  /// Below this the positions and scatter buffers fit the second-level cache anyway.
  static let spatialOrderMinimumPoints = 65_536

  /// Renames the points by their place along `SpatialOrder`'s curve: P, the positions and the
  /// optimiser's state move with them, `order` maps back to the caller's order. The same
  /// map up to the order of floating-point sums.
  mutating func relabelSpatially() {
    guard case .sparse(let p) = affinities else { return }
    let original = SpatialOrder.permutation(positions: positions, count: count)
    let spatial = LocalityOrder(original: original)
    affinities = .sparse(p.relabelled(newIndex: spatial.internalIndex))
    positions = spatial.toInternal(positions)
    update = spatial.toInternal(update)
    gains = spatial.toInternal(gains)
    order = LocalityOrder(original: original.map { a in order.map { $0.original[Int(a)] } ?? a })
  }
}

/// What a screen needs to draw a t-SNE run in progress (a copy, safe to hand to another thread).
public struct TSNESnapshot: Sendable, Equatable {
  public var iteration: Int
  public var totalIterations: Int
  public var method: TSNEOptions.Method
  public var embedding: [Float]
  public var klDivergence: Double?
  public var klDivergenceIteration: Int?
  public var isExaggerating: Bool
  public var isFinished: Bool
}
