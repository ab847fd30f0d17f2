import Foundation
import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE perplexity calibration, PCA and trustworthiness")
struct TSNECalibrationTests {
  /// Entropy in nats of one row of Float probabilities, in Double.
  func entropy(_ row: ArraySlice<Float>) -> (entropy: Double, sum: Double) {
    var h = 0.0
    var sum = 0.0
    for p in row where p > 0 {
      h -= Double(p) * log(Double(p))
      sum += Double(p)
    }
    return (h, sum)
  }

  @Test(arguments: [5.0, 20.0, 50.0])
  func everyRowReachesTheTargetEntropy(perplexity: Double) {
    let data = GaussianClusters(count: 200, dimensions: 10, clusters: 3, seed: 3)
    let graph = NearestNeighbours.exact(data: data.data, count: 200, dimensions: 10, k: 150)
    let result = PerplexityCalibration.conditionalProbabilities(
      squaredDistances: graph.squaredDistances, rows: 200, columns: 150, perplexity: perplexity,
      skipsDiagonal: false)
    for i in 0..<200 {
      let row = result.probabilities[(i * 150)..<((i + 1) * 150)]
      let (h, sum) = entropy(row)
      #expect(abs(result.rows[i].entropy - log(perplexity)) <= PerplexityCalibration.tolerance)
      // Float storage of p adds a little to the search's 1e-5.
      #expect(abs(h - log(perplexity)) < 1e-4, "row \(i): entropy \(h)")
      #expect(abs(sum - 1) < 1e-5, "row \(i): sum \(sum)")
    }
  }

  @Test func fullRowsSkipThePointItselfAndSurviveHugeDistances() {
    // Distances around 1e6: exp(-beta d) underflows for every beta near 1 without the shift.
    let n = 30
    var distances = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n where i != j { distances[i * n + j] = 1e6 + Float((i * 7 + j * 13) % 31) }
    }
    let result = PerplexityCalibration.conditionalProbabilities(
      squaredDistances: distances, rows: n, columns: n, perplexity: 8, skipsDiagonal: true)
    for i in 0..<n {
      #expect(result.probabilities[i * n + i] == 0)
      let (h, sum) = entropy(result.probabilities[(i * n)..<((i + 1) * n)])
      #expect(abs(h - log(8)) < 1e-4 && abs(sum - 1) < 1e-5, "row \(i): H \(h), sum \(sum)")
    }
  }

  @Test func principalComponentsFollowTheLargestVariances() {
    // Axes with standard deviations 5, 2 and 0.5, rotated into 4-D.
    var random = RandomGenerator(seed: 11)
    let n = 2000
    let axes: [[Double]] = [[0.6, 0.8, 0, 0], [-0.8, 0.6, 0, 0], [0, 0, 0.6, 0.8]]
    var data = [Float]()
    for _ in 0..<n {
      let c = [5 * random.nextNormal(), 2 * random.nextNormal(), 0.5 * random.nextNormal()]
      for d in 0..<4 {
        data.append(Float(c[0] * axes[0][d] + c[1] * axes[1][d] + c[2] * axes[2][d]))
      }
    }
    let centred = TSNE.centred(data, count: n, dimensions: 4)
    let projection = PrincipalComponents.project(centred, count: n, dimensions: 4, components: 2)
    // The same components from the uncentred data and its means (as large inputs are run):
    // the data sit 50 units off the origin.
    let shifted = data.map { $0 + 50 }
    let fromMeans = PrincipalComponents.project(
      shifted, means: TSNE.columnMeans(shifted, count: n, dimensions: 4), count: n,
      dimensions: 4, components: 2)
    let largest = projection.map { abs($0) }.max()!
    #expect(zip(projection, fromMeans).allSatisfy { abs($0 - $1) < 1e-3 * largest })
    func variance(_ c: Int) -> Double {
      (0..<n).reduce(0.0) { $0 + Double(projection[2 * $1 + c]) * Double(projection[2 * $1 + c]) }
        / Double(n)
    }
    // The exact answer: eigenvalues of the sample covariance.
    var covariance = [Double](repeating: 0, count: 16)
    for i in 0..<n {
      for a in 0..<4 {
        for b in 0..<4 {
          covariance[a * 4 + b] += Double(centred[i * 4 + a] * centred[i * 4 + b]) / Double(n)
        }
      }
    }
    let eigenvalues = SymmetricEigen.jacobi(covariance, size: 4).values.sorted(by: >)
    #expect(abs(variance(0) - eigenvalues[0]) < 1e-3 * eigenvalues[0])
    #expect(abs(variance(1) - eigenvalues[1]) < 1e-3 * eigenvalues[1])
  }

  /// Trustworthiness by the definition: full rank tables from sorted distances.
  func naiveTrustworthiness(_ x: [Float], _ d: Int, _ y: [Float], _ k: Int) -> Double {
    let n = x.count / d
    func distance(_ v: [Float], _ dims: Int, _ i: Int, _ j: Int) -> Double {
      (0..<dims).reduce(0.0) {
        let t = Double(v[i * dims + $1]) - Double(v[j * dims + $1])
        return $0 + t * t
      }
    }
    var total = 0.0
    for i in 0..<n {
      let others = (0..<n).filter { $0 != i }
      let inputOrder = others.sorted { (distance(x, d, i, $0), $0) < (distance(x, d, i, $1), $1) }
      var rank = [Int: Int]()
      for (r, j) in inputOrder.enumerated() { rank[j] = r + 1 }
      let embedded = others.sorted { (distance(y, 2, i, $0), $0) < (distance(y, 2, i, $1), $1) }
      for j in embedded.prefix(k) { total += Double(max(0, rank[j]! - k)) }
    }
    let (nn, kk) = (Double(n), Double(k))
    return 1 - total * 2 / (nn * kk * (2 * nn - 3 * kk - 1))
  }

  @Test func trustworthinessMatchesItsDefinition() throws {
    var random = RandomGenerator(seed: 5)
    let x = (0..<(70 * 6)).map { _ in Float(random.nextNormal()) }
    // A noisy projection: partly faithful, partly not.
    var y = [Float]()
    for i in 0..<70 { y += [x[i * 6] + Float(random.nextNormal()), x[i * 6 + 1]] }
    for k in [1, 5, 10] {
      let fast = try Trustworthiness.score(original: x, dimensions: 6, embedding: y, neighbours: k)
      #expect(abs(fast - naiveTrustworthiness(x, 6, y, k)) < 1e-9, "k = \(k)")
    }
    // Points already in 2-D are their own perfect embedding.
    let plane = Array(x.prefix(140))
    #expect(try Trustworthiness.score(original: plane, dimensions: 2, embedding: plane) == 1)
    #expect(throws: TSNEError.self) {
      try Trustworthiness.score(original: x, dimensions: 6, embedding: y, neighbours: 35)
    }
  }
}
