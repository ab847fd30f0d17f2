import Tensor
import Testing

@testable import TSNE

@Suite("Approximate neighbours: join order and refinement")
struct NeighbourRefinementTests {
  /// High-dimensional overlapping clusters, where neighbours' neighbours help least.
  static let data = GaussianClusters(
    count: 4000, dimensions: 96, clusters: 4, spread: 1, noise: 1, seed: 57)
  static let k = 30

  static func search(
    threads: Int = 2, seed: UInt64 = 5, _ adjust: (inout NeighbourDescent.Settings) -> Void
  ) -> (graph: NeighbourGraph, report: NeighbourDescent.Report) {
    var settings = NeighbourDescent.Settings()
    adjust(&settings)
    return ComputeSettings.withThreadCount(threads) {
      NeighbourDescent.search(
        data: data.data, count: data.count, dimensions: data.dimensions, k: k, seed: seed,
        settings: settings)
    }
  }

  @Test func leafOrderGivesTheSameGraphAsIndexOrder() {
    // A fixed number of rounds (delta 0): each round's graph is the k nearest of what the lists
    // were offered, whichever order the join visited the points in.
    func graph(leafOrder: Bool) -> NeighbourGraph {
      Self.search {
        $0.joinsInLeafOrder = leafOrder
        $0.maximumRounds = 3
        $0.delta = 0
        $0.maximumCandidates = 8
      }.graph
    }
    #expect(graph(leafOrder: true) == graph(leafOrder: false))
  }

  @Test func refinementRaisesRecall() {
    let exact = NearestNeighbours.exact(
      data: Self.data.data, count: Self.data.count, dimensions: Self.data.dimensions, k: Self.k)
    // Few candidates and rounds leave gaps the refinement must fill.
    func recall(refinement: Int) -> (Double, Int) {
      let (graph, report) = Self.search {
        $0.maximumCandidates = 6
        $0.maximumRounds = 3
        $0.refinement = refinement
      }
      return (NeighbourDescent.recall(graph, exact: exact), report.refinementUpdates)
    }
    let (before, none) = recall(refinement: 0)
    let (after, updates) = recall(refinement: 12)
    #expect(none == 0 && updates > 0)
    #expect(after >= before + 0.02, "recall \(before) -> \(after)")
    // Lists stay sorted, without the point itself or repeats.
    let (graph, _) = Self.search { $0.refinement = 12 }
    for i in 0..<Self.data.count {
      let row = Array(graph.indices[(i * Self.k)..<((i + 1) * Self.k)])
      let distances = graph.squaredDistances[(i * Self.k)..<((i + 1) * Self.k)]
      let valid =
        !row.contains(Int32(i)) && Set(row).count == Self.k && row.allSatisfy { $0 >= 0 }
        && zip(distances, distances.dropFirst()).allSatisfy { $0 <= $1 }
      #expect(valid, "row \(i)")
      if !valid { break }
    }
  }

  @Test func refinedGraphIsTheSameForAnyThreadCount() {
    // 32 candidates: join blocks of 400 points (smaller than 1,024), split among the threads.
    func graph(threads: Int) -> NeighbourGraph {
      Self.search(threads: threads) {
        $0.maximumCandidates = 32
        $0.maximumRounds = 4
        $0.refinement = 10
        $0.joinsInLeafOrder = true
      }.graph
    }
    #expect(NeighbourSpace.joinBlock(candidates: 32) == 400)
    let one = graph(threads: 1)
    #expect(graph(threads: 2) == one)
    #expect(graph(threads: 3) == one)
  }

  @Test func candidatesGrowWithPointsWithinTheMemoryBound() {
    let settings = NeighbourDescent.Settings()
    #expect(settings.resolvedCandidates(count: 3000) == 20)
    #expect(settings.resolvedCandidates(count: 50_000) == 20)
    #expect(settings.resolvedCandidates(count: 100_000) == 35)
    #expect(settings.resolvedCandidates(count: 200_000) == 60)
    // A million points: the candidate sets' memory, not recall, sets the count.
    #expect(settings.resolvedCandidates(count: 1_000_000) == 25)
    var fixed = settings
    fixed.maximumCandidates = 12
    #expect(fixed.resolvedCandidates(count: 200_000) == 12)
    // The join's offers stay within the bound of 1,024 points at 20 candidates.
    #expect(NeighbourSpace.joinBlock(candidates: 20) == 1024)
    #expect(NeighbourSpace.joinBlock(candidates: 40) == 256)
    #expect(NeighbourSpace.joinBlock(candidates: 60) == 128)
  }
}
