import Tensor
import Testing

@testable import TSNE

@Suite("Approximate neighbours")
struct NeighbourDescentTests {
  /// The benchmark's kind of data (overlapping clusters in 64-D) at a size a test can search
  /// exactly.
  static let data = GaussianClusters(
    count: 3000, dimensions: 64, clusters: 10, spread: 2, noise: 1, seed: 31)

  @Test func recallAgainstExactSearchAtThreeTimesThePerplexity() {
    let k = 91
    let exact = NearestNeighbours.exact(data: Self.data.data, count: 3000, dimensions: 64, k: k)
    let approximate = NeighbourDescent.search(
      data: Self.data.data, count: 3000, dimensions: 64, k: k, seed: 7
    ).graph
    let recall = NeighbourDescent.recall(approximate, exact: exact)
    #expect(recall >= 0.98, "recall \(recall)")
    // Lists are nearest first, without the point itself or repeats.
    for i in 0..<3000 {
      let row = Array(approximate.indices[(i * k)..<((i + 1) * k)])
      #expect(!row.contains(Int32(i)) && Set(row).count == k && row.allSatisfy { $0 >= 0 })
      let distances = approximate.squaredDistances[(i * k)..<((i + 1) * k)]
      #expect(zip(distances, distances.dropFirst()).allSatisfy { $0 <= $1 })
      if !row.allSatisfy({ $0 >= 0 }) { break }
    }
  }

  @Test func sameSeedSameGraphForAnyThreadCount() {
    func search(threads: Int, seed: UInt64) -> NeighbourGraph {
      ComputeSettings.withThreadCount(threads) {
        NeighbourDescent.search(
          data: Self.data.data, count: 3000, dimensions: 64, k: 20, seed: seed
        ).graph
      }
    }
    let one = search(threads: 1, seed: 3)
    #expect(search(threads: 2, seed: 3) == one)
    #expect(search(threads: 1, seed: 4) != one)
  }

  @Test func duplicatesAndTinySetsStillGiveFullLists() {
    // 50 copies of 4 points: hyperplanes cannot split copies; the lists must still fill.
    let base: [Float] = [0, 0, 1, 0, 0, 1, 5, 5]
    let data = (0..<50).flatMap { _ in base }
    let graph = NeighbourDescent.search(data: data, count: 200, dimensions: 2, k: 10, seed: 1)
      .graph
    for i in 0..<200 {
      let row = graph.indices[(i * 10)..<((i + 1) * 10)]
      #expect(row.allSatisfy { $0 >= 0 && $0 != Int32(i) } && Set(row).count == 10)
      // 49 exact copies exist, so every neighbour is at distance 0.
      #expect(graph.squaredDistances[i * 10 + 9] == 0)
    }
  }
}
