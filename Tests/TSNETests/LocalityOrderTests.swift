import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE locality order")
struct LocalityOrderTests {
  /// Clusters whose points are listed in a shuffled order, as a caller's features may be.
  static func shuffledClusters(count: Int) -> (data: [Float], labels: [Int]) {
    let clusters = GaussianClusters(count: count, dimensions: 16, clusters: 8, spread: 5, seed: 4)
    var random = RandomGenerator(seed: 11)
    var order = Array(0..<count)
    for i in stride(from: count - 1, to: 0, by: -1) {
      order.swapAt(i, random.nextInt(below: i + 1))
    }
    let data = order.flatMap { clusters.data[($0 * 16)..<($0 * 16 + 16)] }
    return (data, order.map { clusters.labels[$0] })
  }

  @Test func rowsAreMovedAlongThePermutation() {
    var random = RandomGenerator(seed: 3)
    var original = (0..<500).map { Int32($0) }
    for i in stride(from: 499, to: 0, by: -1) { original.swapAt(i, random.nextInt(below: i + 1)) }
    let order = LocalityOrder(original: original)
    let rows = (0..<1500).map { $0 }
    var moved = rows
    order.permuteRows(&moved, rowLength: 3)
    for a in 0..<500 {
      let i = Int(original[a])
      #expect(Array(moved[(3 * a)..<(3 * a + 3)]) == Array(rows[(3 * i)..<(3 * i + 3)]))
    }
    for i in 0..<500 { #expect(original[Int(order.internalIndex[i])] == Int32(i)) }
  }

  @Test func relabelledGraphIsTheSameGraph() {
    let (data, _) = Self.shuffledClusters(count: 600)
    let graph = NearestNeighbours.exact(data: data, count: 600, dimensions: 16, k: 10)
    let order = data.withUnsafeBufferPointer {
      LocalityOrder(data: $0.baseAddress!, count: 600, dimensions: 16, seed: 5)
    }
    let relabelled = order.relabel(graph)
    #expect(relabelled.count == 600 && relabelled.k == 10)
    for a in 0..<600 {
      let i = Int(order.original[a])
      for r in 0..<10 {
        let j = Int(graph.indices[i * 10 + r])
        #expect(relabelled.indices[a * 10 + r] == order.internalIndex[j])
        #expect(relabelled.squaredDistances[a * 10 + r] == graph.squaredDistances[i * 10 + r])
      }
    }
  }

  /// The point of the order: a point's neighbours get nearby indices. In the shuffled caller's
  /// order the median neighbour is about a third of the set away; relabelled, within a few
  /// leaves of 64 points.
  @Test func neighboursGetNearbyIndices() {
    let n = 4000
    let (data, _) = Self.shuffledClusters(count: n)
    let graph = NearestNeighbours.exact(data: data, count: n, dimensions: 16, k: 15)
    let order = data.withUnsafeBufferPointer {
      LocalityOrder(data: $0.baseAddress!, count: n, dimensions: 16, seed: 5)
    }
    func medianGap(_ g: NeighbourGraph) -> Int {
      var gaps = [Int]()
      for i in 0..<n {
        for r in 0..<15 { gaps.append(abs(Int(g.indices[i * 15 + r]) - i)) }
      }
      return gaps.sorted()[gaps.count / 2]
    }
    let before = medianGap(graph)
    let after = medianGap(order.relabel(graph))
    #expect(before > n / 5, "shuffled: \(before)")
    #expect(after < before / 10, "relabelled: \(after) against \(before)")
  }

  /// The order is internal: an initial embedding given by the caller comes back unchanged and
  /// point by point in the caller's order, and a finished map keeps the caller's labels.
  @Test func embeddingIsInTheCallersOrder() throws {
    let n = 600
    let (data, labels) = Self.shuffledClusters(count: n)
    var options = TSNEOptions()
    options.method = .barnesHut
    var random = RandomGenerator(seed: 2)
    let given = (0..<(2 * n)).map { _ in Float(random.nextNormal()) }
    options.initialEmbedding = given
    options.iterations = 0
    let untouched = try TSNE(data: data, count: n, dimensions: 16, options: options)
    #expect(untouched.order != nil)
    #expect(untouched.embedding == given)
    #expect(untouched.point(17) == SIMD2(given[34], given[35]))

    options.initialEmbedding = nil
    options.iterations = 400
    var tsne = try TSNE(data: data, count: n, dimensions: 16, options: options)
    tsne.run()
    #expect(TSNEBehaviourTests().neighbourLabelAccuracy(tsne.embedding, labels) >= 0.99)
  }
}
