import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE transform and sampled trustworthiness")
struct TSNETransformTests {
  static let data = GaussianClusters(count: 1500, dimensions: 20, clusters: 5, spread: 3, seed: 12)

  static func map() throws -> [Float] {
    var options = TSNEOptions()
    options.iterations = 400
    var tsne = try TSNE(data: data.data, count: 1500, dimensions: 20, options: options)
    return tsne.run()
  }

  @Test func trainingPointsLandNextToWhereTheyAre() throws {
    let embedding = try Self.map()
    let chosen = [0, 17, 333, 700, 1111, 1499]
    let points = chosen.flatMap { i in Array(Self.data.data[(i * 20)..<((i + 1) * 20)]) }
    let placed = try TSNETransform.place(
      points: points, count: chosen.count, reference: Self.data.data, referenceCount: 1500,
      dimensions: 20, embedding: embedding)
    // "Next to": nearer than the point's 10th nearest embedded neighbour is to it.
    let embedded = NearestNeighbours.exact(data: embedding, count: 1500, dimensions: 2, k: 10)
    for (t, i) in chosen.enumerated() {
      let (dx, dy) = (placed[2 * t] - embedding[2 * i], placed[2 * t + 1] - embedding[2 * i + 1])
      let radius = embedded.squaredDistances[i * 10 + 9]
      #expect(dx * dx + dy * dy <= radius, "point \(i): \(dx * dx + dy * dy) vs \(radius)")
    }
    // Same input, same result, for any thread count; a point's place ignores the others.
    let again = try ComputeSettings.withThreadCount(1) {
      try TSNETransform.place(
        points: points, count: chosen.count, reference: Self.data.data, referenceCount: 1500,
        dimensions: 20, embedding: embedding)
    }
    #expect(again == placed)
    let alone = try TSNETransform.place(
      points: Array(points[20..<40]), count: 1, reference: Self.data.data, referenceCount: 1500,
      dimensions: 20, embedding: embedding)
    #expect(alone == Array(placed[2..<4]))
  }

  @Test func sampledTrustworthinessEstimatesTheExactScore() throws {
    let embedding = try Self.map()
    let exact = try Trustworthiness.score(
      original: Self.data.data, dimensions: 20, embedding: embedding)
    let all = try Trustworthiness.estimate(
      original: Self.data.data, dimensions: 20, embedding: embedding, queries: 1500)
    #expect(abs(all - exact) < 1e-4, "all queries: \(all) vs \(exact)")
    let sampled = try Trustworthiness.estimate(
      original: Self.data.data, dimensions: 20, embedding: embedding, queries: 300, seed: 4)
    #expect(abs(sampled - exact) < 0.005, "300 queries: \(sampled) vs \(exact)")
    #expect(
      try sampled
        == Trustworthiness.estimate(
          original: Self.data.data, dimensions: 20, embedding: embedding, queries: 300, seed: 4))
  }
}
