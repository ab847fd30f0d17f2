import Foundation
import Tensor

/// New points placed into an existing embedding with the embedding held fixed (openTSNE's
/// `transform`, Policar, Strazar and Zupan 2019): each new point gets affinities p_j|i to its
/// nearest reference points (perplexity-calibrated over k = 3 x perplexity of them), starts at
/// the median position of those neighbours, and descends its own divergence
/// KL(P_i || Q_i), q_j|i = w_ij / sum_l w_il over the reference points, whose gradient is
///
///   2 sum_j p_j|i w_ij (y_i - y_j)  -  (2 / Z_i) sum_j w_ij^2 (y_i - y_j),  Z_i = sum_j w_ij.
///
/// The reference map does not move, so its repulsion is interpolated once on the FIt-SNE grid
/// (`InterpolatedRepulsion`) and each iteration only reads potentials at the new positions.
/// New points do not interact with each other, so a point's result does not depend on the
/// others passed with it, and the result is the same for any thread count.
public struct TSNETransformOptions: Sendable, Equatable {
  /// openTSNE's transform default: a small neighbourhood, so a point follows its nearest
  /// reference points.
  public var perplexity: Double = 5
  public var iterations: Int = 100
  public var learningRate: Double = 1
  public var momentum: Double = 0.8
  /// Per-point gradient norms are clipped to this (openTSNE's max_grad_norm for transform).
  public var maximumGradientNorm: Double = 0.25

  public init() {}
}

public enum TSNETransform {
  /// Positions (count x 2) for the `count` rows of `points` in the map `embedding` of the
  /// `referenceCount` rows of `reference` (all with `dimensions` values per row).
  public static func place(
    points: [Float], count: Int, reference: [Float], referenceCount: Int, dimensions: Int,
    embedding: [Float], options: TSNETransformOptions = TSNETransformOptions()
  ) throws -> [Float] {
    guard dimensions >= 1, points.count == count * dimensions else {
      throw TSNEError.shapeMismatch(values: points.count, points: count, dimensions: dimensions)
    }
    guard reference.count == referenceCount * dimensions, embedding.count == 2 * referenceCount
    else {
      throw TSNEError.shapeMismatch(
        values: reference.count, points: referenceCount, dimensions: dimensions)
    }
    if let bad = points.firstIndex(where: { !$0.isFinite }) {
      throw TSNEError.nonFiniteValue(point: bad / dimensions, dimension: bad % dimensions)
    }
    guard options.perplexity > 0, 3 * options.perplexity < Double(referenceCount) else {
      throw TSNEError.invalidOption(
        name: "perplexity",
        reason: "must be positive and below a third of the reference points (\(referenceCount))")
    }
    if count == 0 { return [] }
    let k = min(referenceCount, Int(3 * options.perplexity))
    // Both sets centred by the reference's means (the GEMM expansion's precision).
    var means = [Double](repeating: 0, count: dimensions)
    for i in 0..<referenceCount {
      for d in 0..<dimensions { means[d] += Double(reference[i * dimensions + d]) }
    }
    let shift = means.map { Float($0 / Double(referenceCount)) }
    let centre = { (values: [Float]) in values.enumerated().map { $1 - shift[$0 % dimensions] } }
    let graph = NearestNeighbours.exact(
      queries: centre(points), count: count, data: centre(reference), dataCount: referenceCount,
      dimensions: dimensions, k: k)
    let conditional = PerplexityCalibration.conditionalProbabilities(
      squaredDistances: graph.squaredDistances, rows: count, columns: k,
      perplexity: options.perplexity, skipsDiagonal: false
    ).probabilities
    var positions = medianStart(graph, embedding: embedding)
    let referenceXs = (0..<referenceCount).map { embedding[2 * $0] }
    let referenceYs = (0..<referenceCount).map { embedding[2 * $0 + 1] }
    // The grid covers the map with a margin; new points beyond it feel the edge's potentials.
    var (minimum, maximum) = InterpolatedRepulsion.bounds(referenceXs, referenceYs)
    let margin = 0.1 * (maximum - minimum) + 1
    (minimum, maximum) = (minimum - margin, maximum + margin)
    var repulsion = InterpolatedRepulsion()
    var field: (planes: [Float], grid: PotentialGrid)?
    repulsion.withGrid(xs: referenceXs, ys: referenceYs, minimum: minimum, maximum: maximum) {
      grid, _, _ in
      field = (grid.potentialPlanes(), PotentialGrid(grid))
    }
    guard let (planes, grid) = field else { return positions }
    var update = [Float](repeating: 0, count: 2 * count)
    let rate = Float(options.learningRate)
    let momentum = Float(options.momentum)
    let clip = Float(options.maximumGradientNorm)
    for _ in 0..<options.iterations {
      positions.withUnsafeMutableBufferPointer { positions in
        update.withUnsafeMutableBufferPointer { update in
          let (y, u) = (positions.baseAddress!, update.baseAddress!)
          Parallel.forChunks(count: count, minimumPerThread: 64) { range in
            for i in range {
              var (gx, gy) = grid.gradient(
                at: i, positions: y, graph: graph, conditional: conditional, embedding: embedding,
                planes: planes)
              let norm = (gx * gx + gy * gy).squareRoot()
              if norm > clip {
                gx *= clip / norm
                gy *= clip / norm
              }
              u[2 * i] = momentum * u[2 * i] - rate * gx
              u[2 * i + 1] = momentum * u[2 * i + 1] - rate * gy
              y[2 * i] += u[2 * i]
              y[2 * i + 1] += u[2 * i + 1]
            }
          }
        }
      }
    }
    return positions
  }

  /// Each new point at the coordinate-wise median of its reference neighbours' positions.
  static func medianStart(_ graph: NeighbourGraph, embedding: [Float]) -> [Float] {
    var positions = [Float](repeating: 0, count: 2 * graph.count)
    let k = graph.k
    for i in 0..<graph.count {
      for axis in 0..<2 {
        let values = (0..<k).map { embedding[2 * Int(graph.indices[i * k + $0]) + axis] }.sorted()
        positions[2 * i + axis] =
          k % 2 == 1 ? values[k / 2] : (values[k / 2 - 1] + values[k / 2]) / 2
      }
    }
    return positions
  }
}

/// The geometry of a reference map's interpolation grid, to read its potentials anywhere.
struct PotentialGrid {
  let nodesPerBox: Int
  let boxCount: Int
  let boxWidth: Float
  let origin: Float
  let centre: Float

  init(_ grid: InterpolationGrid) {
    nodesPerBox = grid.nodesPerBox
    boxCount = grid.boxCount
    boxWidth = grid.boxWidth
    origin = grid.origin
    centre = grid.centre
  }

  /// Point i's gradient: attraction to its reference neighbours, repulsion from the whole
  /// reference map through the potentials.
  func gradient(
    at i: Int, positions y: UnsafeMutablePointer<Float>, graph: NeighbourGraph,
    conditional: [Float], embedding: [Float], planes: [Float]
  ) -> (Float, Float) {
    let (px, py) = (y[2 * i], y[2 * i + 1])
    var (ax, ay): (Float, Float) = (0, 0)
    for r in 0..<graph.k {
      let j = Int(graph.indices[i * graph.k + r])
      let (dx, dy) = (px - embedding[2 * j], py - embedding[2 * j + 1])
      let w = conditional[i * graph.k + r] / (1 + dx * dx + dy * dy)
      ax += w * dx
      ay += w * dy
    }
    let p = nodesPerBox
    let nodes = boxCount * p
    var wx = SIMD8<Float>()
    var wy = SIMD8<Float>()
    let (gx, gy) = withUnsafeMutablePointer(to: &wx) { wxp in
      withUnsafeMutablePointer(to: &wy) { wyp in
        wxp.withMemoryRebound(to: Float.self, capacity: 8) { wxf in
          wyp.withMemoryRebound(to: Float.self, capacity: 8) { wyf in
            (
              InterpolationGrid.weights(
                at: px, origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p, into: wxf),
              InterpolationGrid.weights(
                at: py, origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p, into: wyf)
            )
          }
        }
      }
    }
    var phi = SIMD4<Float>()
    for t in 0..<p {
      for s in 0..<p {
        let node = (gx + t) * nodes + gy + s
        let weight = wx[t] * wy[s]
        for plane in 0..<4 { phi[plane] += weight * planes[plane * nodes * nodes + node] }
      }
    }
    let (x, yy) = (px - centre, py - centre)
    let z = max((1 + x * x + yy * yy) * phi[0] - 2 * (x * phi[1] + yy * phi[2]) + phi[3], 1e-12)
    let (rx, ry) = ((x * phi[0] - phi[1]) / z, (yy * phi[0] - phi[2]) / z)
    return (2 * (ax - rx), 2 * (ay - ry))
  }
}
