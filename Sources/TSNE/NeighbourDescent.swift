import Foundation
import Tensor

/// Approximate k-nearest neighbours by NN-descent (Dong, Charikar and Li 2011) started from
/// random-projection trees, as pynndescent (and through it openTSNE) does: a neighbour's
/// neighbour is likely a neighbour, so each round looks for nearer points among the neighbours
/// of each point's neighbours (forward and reverse), sampling at most `maximumCandidates` of
/// each kind and joining only pairs where at least one edge is new since the last round.
///
/// Determinism: each round freezes its candidate sets at its start, every random choice comes
/// from a hash of (seed, round, pair), and the local join's offers are applied to each list in
/// point order whatever the threads (docs/projection.md), so a seed gives the same graph for
/// any thread count. Distances are computed directly (not by the GEMM expansion).
public enum NeighbourDescent {
  public struct Settings: Sendable, Equatable {
    /// Random-projection trees for the start; nil: openTSNE's 5 + sqrt(N) / 20, at most 32.
    public var trees: Int? = nil
    /// Points per tree leaf; nil: max(k, 32) (a leaf then fills a whole list).
    public var leafSize: Int? = nil
    /// New and old neighbours sampled per point and round (and as many reverse ones); nil:
    /// `resolvedCandidates(count:)`, which grows with N (docs/projection.md).
    public var maximumCandidates: Int? = nil
    public var maximumRounds = 12
    /// Stops when a round changes fewer than delta x N x k entries.
    public var delta = 0.001
    /// After the rounds, each list is offered the `refinement` nearest entries of the lists of
    /// its own `refinement` nearest entries (neighbours of neighbours, unsampled; 0: none).
    /// Off: at 200,000 points 16 raised recall by 0.002 for 7 s of CPU (docs/benchmarks.md).
    public var refinement = 0
    /// The local join and the refinement visit the points in the first tree's leaf order
    /// (meant to keep a block's candidate rows in cache; 4 bytes a point); false: index order.
    /// Each round's graph is the same either way (a list keeps the k nearest of what it was
    /// offered). Off: no gain measured at 200,000 points on the benchmark's 128-D clusters,
    /// where leaf-mates share few neighbours (docs/benchmarks.md, 6th session).
    public var joinsInLeafOrder = false

    public init() {}

    func resolvedTrees(count: Int) -> Int {
      trees ?? min(32, 5 + Int((Double(count).squareRoot() / 20).rounded()))
    }

    /// 20 up to 50,000 points, tripled for every four times as many points above (20 x
    /// 3^log4(N / 50,000): 35 at 100,000, 60 at 200,000), and at most what keeps the two
    /// candidate sets (16 bytes a point per candidate) within 384 MB: 25 at a million points.
    /// At k = 91 on the benchmark's 128-D clusters, 10 left recall at 0.951 at 50,000 points,
    /// 20 0.988; at 200,000 points 20 gave 0.911, 40 0.970, 60 0.986 (docs/benchmarks.md,
    /// 2026-12-07, 5th and 6th sessions).
    public func resolvedCandidates(count: Int) -> Int {
      if let maximumCandidates { return maximumCandidates }
      let growth = log(max(1, Double(count) / 50_000)) / log(4.0)
      let byRecall = 20 * pow(3, growth)
      let byMemory = Double(Self.candidateSetBytes / 16) / Double(max(1, count))
      return Int(max(20, min(byRecall, byMemory)).rounded())
    }

    /// What the candidate sets may take in all, unless 20 candidates take more (a million
    /// points: 25 candidates, 80 MB more than 20).
    static let candidateSetBytes = 384 << 20
  }

  /// What a search did: rounds run and entries changed in each, and the process CPU seconds
  /// of the start (trees, leaf-mates, random fill) and of the rounds (`vlp bench tsne --recall`).
  public struct Report: Sendable, Equatable {
    public var trees: Int
    public var updatesPerRound: [Int]
    public var startCPUSeconds: Double = 0
    public var roundsCPUSeconds: Double = 0
    /// Entries the refinement changed, and the process CPU seconds of the refinement and the
    /// final sort of the lists.
    public var refinementUpdates = 0
    public var refinementCPUSeconds: Double = 0
  }

  /// The `k` approximately nearest other points of each point, nearest first. Returns an
  /// unfinished graph once `monitor` cancels (the caller checks it).
  public static func search(
    data: [Float], count: Int, dimensions: Int, k: Int, seed: UInt64,
    settings: Settings = Settings(), monitor: TSNEPreparationMonitor = .none
  ) -> (graph: NeighbourGraph, report: Report) {
    precondition(data.count == count * dimensions, "data is not count x dimensions")
    precondition(k > 0 && k < count, "k must be in 1..<count")
    let trees = settings.resolvedTrees(count: count)
    let candidates = settings.resolvedCandidates(count: count)
    var heaps = NeighbourHeaps(count: count, k: k)
    var updates: [Int] = []
    let startClock = ProcessCPUTime.seconds()
    var roundsClock = startClock
    var refinementClock = startClock
    var refinementUpdates = 0
    // The first tree's leaf order, for the joins (4 bytes a point); nil: index order.
    var leafOrder: [Int32]? = nil
    data.withUnsafeBufferPointer { data in
      let x = data.baseAddress!
      heaps.withRows { indices, distances, isNew in
        let space = NeighbourSpace(
          data: x, count: count, dimensions: dimensions, k: k, indices: indices,
          distances: distances, isNew: isNew, monitor: monitor)
        // As many trees at a time as threads build them: the same offers in the same order as
        // building the whole forest first, in a fraction of its memory.
        let batch = max(1, ComputeSettings.threadCount)
        // Progress: the start as the first 30%, the rounds (at most) the rest.
        for first in stride(from: 0, to: trees, by: batch) where !monitor.isCancelled {
          monitor.report(.neighbours, 0.3 * Double(first) / Double(trees))
          let forest = RandomProjectionForest(
            data: x, count: count, dimensions: dimensions, trees: first..<min(trees, first + batch),
            leafSize: settings.leafSize ?? max(k, 32), seed: seed)
          space.offerLeafMates(forest: forest)
          if first == 0, settings.joinsInLeafOrder { leafOrder = forest.trees[0].order }
        }
        if !monitor.isCancelled { space.fillFromRandomPoints(seed: seed) }
        roundsClock = ProcessCPUTime.seconds()
        let order = leafOrder ?? []
        order.withUnsafeBufferPointer { order in
          let order = leafOrder == nil ? nil : order.baseAddress
          var buffers = NeighbourSpace.RoundBuffers()
          for round in 0..<settings.maximumRounds where !monitor.isCancelled {
            let changed = space.descend(
              candidates: candidates, seed: mix(seed, UInt64(round) &+ 0xD1CE),
              order: order, buffers: &buffers
            ) { done in
              monitor.report(
                .neighbours, 0.3 + 0.7 * (Double(round) + done) / Double(settings.maximumRounds))
            }
            updates.append(changed)
            if Double(changed) <= settings.delta * Double(count * k) { break }
          }
          refinementClock = ProcessCPUTime.seconds()
          if settings.refinement > 0, !monitor.isCancelled {
            refinementUpdates = space.refine(nearest: settings.refinement, order: order)
          }
        }
        Parallel.forChunks(count: count, minimumPerThread: 256) { range in
          for i in range { space.row(i).sortAscending() }
        }
        monitor.report(.neighbours, 1)
      }
    }
    let graph = NeighbourGraph(
      count: count, k: k, indices: heaps.indices, squaredDistances: heaps.distances)
    return (
      graph,
      Report(
        trees: trees, updatesPerRound: updates, startCPUSeconds: roundsClock - startClock,
        roundsCPUSeconds: refinementClock - roundsClock, refinementUpdates: refinementUpdates,
        refinementCPUSeconds: ProcessCPUTime.seconds() - refinementClock)
    )
  }

  /// The fraction of the exact neighbours that `approximate` found (both with the same k).
  public static func recall(_ approximate: NeighbourGraph, exact: NeighbourGraph) -> Double {
    precondition(approximate.count == exact.count && approximate.k == exact.k, "graphs differ")
    var found = 0
    let k = exact.k
    for i in 0..<exact.count {
      let truth = Set(exact.indices[(i * k)..<((i + 1) * k)])
      for r in 0..<k where truth.contains(approximate.indices[i * k + r]) { found += 1 }
    }
    return Double(found) / Double(exact.count * k)
  }

  /// A 64-bit hash of two values (SplitMix64's finaliser): seeds and sampling priorities.
  @inline(__always)
  static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
