import Foundation
import Tensor

/// Times the optimisation's gradient alone (`vlp bench tsne --gradient-only`), on a seeded
/// synthetic map and P, so that its cost at a million points can be measured without the
/// preparation (minutes at that size) and Barnes-Hut compared with the FFT at any size and
/// map extent.
///
/// The map: 10 Gaussian blobs on a circle, together about `extent` wide (a finished map of
/// 50,000 points is about 100 wide, an early-exaggeration one a few units). P: each point's
/// `neighbours` entries on random points of its own blob (random memory order, as in a real
/// P), values 1 / (N k).
public enum TSNEGradientTiming {
  public struct Result: Sendable {
    public var points: Int
    public var extent: Double
    public var method: TSNEOptions.Method
    public var evaluations: Int
    public var wallSecondsPerEvaluation: Double
    public var cpuSecondsPerEvaluation: Double
  }

  public static func measure(
    points n: Int, neighbours k: Int, extent: Float, method: TSNEOptions.Method,
    evaluations: Int, threads: Int, seed: UInt64 = 2024
  ) -> Result {
    var random = RandomGenerator(seed: seed)
    let blobs = 10
    let positions = map(points: n, extent: extent, blobs: blobs, random: &random)
    var starts: [Int32] = [0]
    var columns: [Int32] = []
    starts.reserveCapacity(n + 1)
    columns.reserveCapacity(n * k)
    let perBlob = (n + blobs - 1) / blobs
    for i in 0..<n {
      let blob = i % blobs
      let members = (n - blob + blobs - 1) / blobs
      for _ in 0..<k {
        var j = blob + blobs * random.nextInt(below: min(perBlob, members))
        if j == i { j = (j + blobs) % n }
        columns.append(Int32(j))
      }
      starts.append(Int32(columns.count))
    }
    let values = [Float](repeating: 1 / Float(n * k), count: columns.count)
    let affinities = TSNEAffinities.sparse(rowStart: starts, columns: columns, values: values)
    var gradient = [Float](repeating: 0, count: 2 * n)
    var workspace = TSNEGradient(count: n)
    // The first evaluation allocates the work areas (untimed).
    return timed(
      points: n, extent: extent, method: method, evaluations: evaluations, threads: threads
    ) {
      _ = workspace.evaluate(
        positions: positions, affinities: affinities, exaggeration: 1, theta: 0.5,
        repulsion: method == .fft ? .interpolated : .barnesHut, gradient: &gradient)
    }
  }

  /// CPU and wall seconds per call of `evaluate` over `evaluations` calls after a first, untimed
  /// one, on `threads` threads.
  private static func timed(
    points n: Int, extent: Float, method: TSNEOptions.Method, evaluations: Int, threads: Int,
    _ evaluate: () -> Void
  ) -> Result {
    ComputeSettings.withThreadCount(threads) {
      evaluate()
      let start = DispatchTime.now().uptimeNanoseconds
      let startCPU = ProcessCPUTime.seconds()
      for _ in 0..<evaluations { evaluate() }
      let wall = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      let cpu = ProcessCPUTime.seconds() - startCPU
      return Result(
        points: n, extent: Double(extent), method: method, evaluations: evaluations,
        wallSecondsPerEvaluation: wall / Double(evaluations),
        cpuSecondsPerEvaluation: cpu / Double(evaluations))
    }
  }

  /// 10 Gaussian blobs on a circle, about `extent` wide; point i in blob i % blobs.
  static func map(
    points n: Int, extent: Float, blobs: Int, random: inout RandomGenerator
  ) -> [Float] {
    let radius = extent * 0.4
    let sigma = extent / 16
    var positions = [Float](repeating: 0, count: 2 * n)
    for i in 0..<n {
      let angle = 2 * Float.pi * Float(i % blobs) / Float(blobs)
      positions[2 * i] = radius * cos(angle) + sigma * Float(random.nextNormal())
      positions[2 * i + 1] = radius * sin(angle) + sigma * Float(random.nextNormal())
    }
    return positions
  }

  /// The repulsion and Z alone (`--repulsion-only`), the part in which the methods differ: for
  /// Barnes-Hut (theta 0.5) the tree's rebuild and the grouped walks, for the FFT the split of
  /// the coordinates and `InterpolatedRepulsion.evaluate`. The fits of
  /// `InterpolatedRepulsion.isCheaperThanBarnesHut` come from these figures.
  public static func measureRepulsion(
    points n: Int, extent: Float, method: TSNEOptions.Method, evaluations: Int, threads: Int,
    seed: UInt64 = 2024
  ) -> Result {
    var random = RandomGenerator(seed: seed)
    let positions = map(points: n, extent: extent, blobs: 10, random: &random)
    var repulsion = [Float](repeating: 0, count: 2 * n)
    var partialZ = [Float](repeating: 0, count: n)
    var tree = BarnesHutTree()
    var interpolation = InterpolatedRepulsion()
    let evaluate = {
      if method == .fft {
        let xs = (0..<n).map { positions[2 * $0] }
        let ys = (0..<n).map { positions[2 * $0 + 1] }
        interpolation.evaluate(xs: xs, ys: ys, repulsion: &repulsion, partialZ: &partialZ)
      } else {
        tree.rebuild(positions: positions, count: n)
        TSNEGradient.barnesHutRepulsion(
          tree, count: n, theta: 0.5, repulsion: &repulsion, partialZ: &partialZ)
      }
    }
    return timed(
      points: n, extent: extent, method: method, evaluations: evaluations, threads: threads,
      evaluate)
  }
}
