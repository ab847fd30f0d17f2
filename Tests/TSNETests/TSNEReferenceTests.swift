import Foundation
import Testing
import TestSupport

@testable import TSNE

/// Tests/Fixtures/tsne_reference.json, written by Tests/Fixtures/tsne_reference.py with
/// scikit-learn (the version is recorded in the file).
struct TSNEReference: Decodable {
  struct Run: Decodable {
    let method: String
    let seed: Int
    let trustworthiness: Double
    let kl: Double
    let iterations: Int
  }
  struct Clusters: Decodable {
    let points: Int
    let dimensions: Int
    let data: [Float]
    let labels: [Int]
    let perplexity: Double
    let runs: [Run]
  }
  struct Gradient: Decodable {
    let points: Int
    let dimensions: Int
    let perplexity: Double
    let data: [Float]
    let P: [Double]
    let embedding: [Float]
    let kl: Double
    let gradient: [Double]
  }
  let sklearn: String
  let clusters: Clusters
  let gradient: Gradient

  static func load() throws -> TSNEReference {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures/tsne_reference.json")
    return try JSONDecoder().decode(TSNEReference.self, from: Data(contentsOf: url))
  }
}

@Suite("t-SNE against scikit-learn")
struct TSNEReferenceTests {
  @Test func jointProbabilitiesMatchScikitLearn() throws {
    let reference = try TSNEReference.load().gradient
    let affinities = TSNEAffinities.dense(
      data: TSNE.centred(reference.data, count: reference.points, dimensions: reference.dimensions),
      count: reference.points, dimensions: reference.dimensions,
      perplexity: reference.perplexity)
    guard case .dense(let values) = affinities else {
      Issue.record("expected dense affinities")
      return
    }
    // Both floor the off-diagonal entries at 2.2e-16; the diagonal is 0 in both.
    expectClose(values.map { Double($0) }, reference.P, ofLargest: 1e-5, "P")
    #expect(
      values.enumerated().allSatisfy { $0.offset % (reference.points + 1) == 0 || $0.element > 0 })
  }

  @Test func exactGradientAndDivergenceMatchScikitLearn() throws {
    let reference = try TSNEReference.load().gradient
    let n = reference.points
    let affinities = TSNEAffinities.dense(values: reference.P.map { Float($0) })
    var gradient = [Float](repeating: 0, count: 2 * n)
    var evaluator = TSNEGradient(count: n)
    let z = evaluator.evaluate(
      positions: reference.embedding, affinities: affinities, exaggeration: 1, theta: 0,
      gradient: &gradient)
    expectClose(gradient.map { Double($0) }, reference.gradient, ofLargest: 1e-5, "gradient")
    let kl = TSNEGradient.klDivergence(
      positions: reference.embedding, affinities: affinities,
      negativeEntropy: affinities.negativeEntropy, z: z)
    #expect(abs(kl - reference.kl) <= 1e-5 * abs(reference.kl), "KL \(kl) vs \(reference.kl)")
  }

  @Test(arguments: [TSNEOptions.Method.exact, .barnesHut])
  func qualityMatchesScikitLearn(method: TSNEOptions.Method) throws {
    let reference = try TSNEReference.load().clusters
    let sklearnName = method == .exact ? "exact" : "barnes_hut"
    let run = try #require(reference.runs.first { $0.method == sklearnName })
    var options = TSNEOptions()
    options.method = method
    options.perplexity = reference.perplexity
    var tsne = try TSNE(
      data: reference.data, count: reference.points, dimensions: reference.dimensions,
      options: options)
    tsne.run()
    let trust = try Trustworthiness.score(
      original: reference.data, dimensions: reference.dimensions, embedding: tsne.embedding,
      neighbours: 10)
    let kl = try #require(tsne.klDivergence)
    #expect(
      trust >= run.trustworthiness - 0.005, "trustworthiness \(trust) vs \(run.trustworthiness)")
    #expect(kl <= run.kl * 1.05, "KL \(kl) vs scikit-learn's \(run.kl)")
  }
}
