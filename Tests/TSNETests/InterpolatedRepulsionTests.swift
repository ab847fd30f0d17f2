import Tensor
import Testing

@testable import TSNE

@Suite("FFT-interpolated gradient")
struct InterpolatedRepulsionTests {
  /// The full gradient and Z with the interpolated repulsion against the exact ones, on
  /// embeddings of a few extents (a fresh map, a grown one, one past the default 50 boxes).
  @Test(arguments: [(2.0, 1), (5.0, 2), (30.0, 3)])
  func gradientMatchesTheExactOne(scale: Double, seed: UInt64) throws {
    let n = 400
    let data = GaussianClusters(count: n, dimensions: 10, clusters: 4, seed: 6)
    let dense = TSNEAffinities.dense(
      data: TSNE.centred(data.data, count: n, dimensions: 10), count: n, dimensions: 10,
      perplexity: 30)
    guard case .dense(let values) = dense else {
      Issue.record("400 points at perplexity 30 should give dense affinities")
      return
    }
    var random = RandomGenerator(seed: seed)
    let positions = (0..<(2 * n)).map { _ in Float(scale * random.nextNormal()) }
    var exact = [Float](repeating: 0, count: 2 * n)
    var evaluator = TSNEGradient(count: n)
    let exactZ = evaluator.evaluate(
      positions: positions, affinities: dense, exaggeration: 1, theta: 0, gradient: &exact)
    let norm = exact.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
    var interpolated = [Float](repeating: 0, count: 2 * n)
    let z = evaluator.evaluate(
      positions: positions, affinities: TSNEBehaviourTests().sparse(values, n), exaggeration: 1,
      theta: 0, interpolated: true, gradient: &interpolated)
    let error = zip(exact, interpolated).reduce(0.0) {
      $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1))
    }.squareRoot()
    #expect(error < 1e-3 * norm, "scale \(scale): relative error \(error / norm)")
    #expect(abs(z - exactZ) < 1e-3 * exactZ, "scale \(scale): Z \(z) vs \(exactZ)")
  }

  @Test func gridSizesAreSmoothAndGrowWithTheExtent() {
    let repulsion = InterpolatedRepulsion()
    #expect(repulsion.boxes(span: 3) == 50)
    #expect(repulsion.boxes(span: 77.5) == 80)
    #expect(FFTPlan.isSmooth(repulsion.boxes(span: 1234)))
  }
}
