import Foundation
import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE behaviour")
struct TSNEBehaviourTests {
  /// Fraction of points whose 5 nearest embedded neighbours mostly share their label.
  func neighbourLabelAccuracy(_ embedding: [Float], _ labels: [Int]) -> Double {
    let graph = NearestNeighbours.exact(data: embedding, count: labels.count, dimensions: 2, k: 5)
    var correct = 0
    for i in labels.indices {
      let same = (0..<5).filter { labels[Int(graph.indices[i * 5 + $0])] == labels[i] }.count
      if same >= 3 { correct += 1 }
    }
    return Double(correct) / Double(labels.count)
  }

  @Test(arguments: [TSNEOptions.Method.exact, .barnesHut, .fft])
  func separatesWellSeparatedClusters(method: TSNEOptions.Method) throws {
    let data = GaussianClusters(count: 400, dimensions: 30, clusters: 4, spread: 6, seed: 9)
    var options = TSNEOptions()
    options.method = method
    options.iterations = 500
    var tsne = try TSNE(data: data.data, count: 400, dimensions: 30, options: options)
    #expect(tsne.method == method)
    tsne.run()
    #expect(neighbourLabelAccuracy(tsne.embedding, data.labels) >= 0.99)
    let trust = try Trustworthiness.score(
      original: data.data, dimensions: 30, embedding: tsne.embedding)
    #expect(trust > 0.9, "trustworthiness \(trust)")
  }

  @Test func automaticMethodDependsOnSize() {
    var options = TSNEOptions()
    #expect(options.resolvedMethod(count: 1000) == .exact)
    #expect(options.resolvedMethod(count: 1001) == .automatic)
    options.exactMaximumPoints = 50
    #expect(options.resolvedMethod(count: 51) == .automatic)
    #expect(options.resolvedLearningRate(count: 1200) == 50)
    #expect(options.resolvedLearningRate(count: 4800) == 100)
  }

  @Test(arguments: [TSNEOptions.Method.exact, .barnesHut, .fft])
  func sameResultForOneAndTwoThreads(method: TSNEOptions.Method) throws {
    let data = GaussianClusters(count: 600, dimensions: 16, clusters: 5, spread: 2, seed: 4)
    var options = TSNEOptions()
    options.method = method
    options.iterations = 120
    options.exaggerationIterations = 60
    func run(_ threads: Int) throws -> ([Float], Double?) {
      try ComputeSettings.withThreadCount(threads) {
        var tsne = try TSNE(data: data.data, count: 600, dimensions: 16, options: options)
        tsne.run()
        return (tsne.embedding, tsne.klDivergence)
      }
    }
    let one = try run(1)
    let two = try run(2)
    #expect(one.0 == two.0)
    #expect(one.1 == two.1)
    #expect(try run(2).0 == two.0)
  }

  @Test func seedSelectsTheRandomInitialisation() throws {
    let data = GaussianClusters(count: 80, dimensions: 5, clusters: 2, seed: 1)
    var options = TSNEOptions()
    options.initialization = .random
    options.iterations = 60
    func run(seed: UInt64) throws -> [Float] {
      options.seed = seed
      var tsne = try TSNE(data: data.data, count: 80, dimensions: 5, options: options)
      return tsne.run()
    }
    #expect(try run(seed: 7) == run(seed: 7))
    #expect(try run(seed: 7) != run(seed: 8))
  }

  @Test(arguments: [TSNEOptions.Method.exact, .barnesHut])
  func steppingEqualsOneRun(method: TSNEOptions.Method) throws {
    let data = GaussianClusters(count: 150, dimensions: 8, clusters: 3, seed: 2)
    var options = TSNEOptions()
    options.method = method
    options.iterations = 300
    options.perplexity = 20
    var whole = try TSNE(data: data.data, count: 150, dimensions: 8, options: options)
    whole.run()
    var stepped = try TSNE(data: data.data, count: 150, dimensions: 8, options: options)
    var snapshots = 0
    while !stepped.isFinished {
      let done = stepped.step(iterations: 7)
      #expect(done == min(7, 300 - (stepped.iteration - done)))
      if stepped.iteration >= 250 { #expect(!stepped.isExaggerating) }
      snapshots += 1
    }
    #expect(stepped.step(iterations: 5) == 0)
    #expect(snapshots == 43)
    #expect(stepped.iteration == 300 && stepped.stopReason == .iterationsDone)
    #expect(stepped.embedding == whole.embedding)
    #expect(stepped.klDivergence == whole.klDivergence)
    #expect(stepped.klDivergenceIteration == 299)
    #expect(stepped.snapshot.embedding == whole.embedding)
    // On request, at the final positions: close to the last check's value.
    let now = stepped.computeKLDivergence()
    #expect(abs(now - whole.klDivergence!) < 0.05 * now)
  }

  /// P as compressed rows holding every non-zero pair of a dense P.
  func sparse(_ dense: [Float], _ n: Int) -> TSNEAffinities {
    var starts: [Int32] = [0]
    var columns: [Int32] = []
    var values: [Float] = []
    for i in 0..<n {
      for j in 0..<n where dense[i * n + j] > 0 {
        columns.append(Int32(j))
        values.append(dense[i * n + j])
      }
      starts.append(Int32(columns.count))
    }
    return .sparse(rowStart: starts, columns: columns, values: values)
  }

  @Test func barnesHutGradientApproachesTheExactOne() throws {
    let n = 300
    let data = GaussianClusters(count: n, dimensions: 10, clusters: 3, seed: 6)
    let dense = TSNEAffinities.dense(
      data: TSNE.centred(data.data, count: n, dimensions: 10), count: n, dimensions: 10,
      perplexity: 30)
    guard case .dense(let values) = dense else {
      Issue.record("300 points at perplexity 30 should give dense affinities")
      return
    }
    var random = RandomGenerator(seed: 8)
    let positions = (0..<(2 * n)).map { _ in Float(5 * random.nextNormal()) }
    var exact = [Float](repeating: 0, count: 2 * n)
    var evaluator = TSNEGradient(count: n)
    let exactZ = evaluator.evaluate(
      positions: positions, affinities: dense, exaggeration: 1, theta: 0, gradient: &exact)
    let norm = exact.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
    for (theta, tolerance) in [(0.0, 1e-5), (0.1, 2e-3), (0.5, 3e-2)] {
      var approximate = [Float](repeating: 0, count: 2 * n)
      let z = evaluator.evaluate(
        positions: positions, affinities: sparse(values, n), exaggeration: 1,
        theta: Float(theta), gradient: &approximate)
      let error = zip(exact, approximate).reduce(0.0) {
        $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1))
      }.squareRoot()
      #expect(error <= tolerance * norm, "theta \(theta): relative error \(error / norm)")
      #expect(abs(z - exactZ) <= tolerance * exactZ, "theta \(theta): Z \(z) vs \(exactZ)")
    }
  }

  @Test func badInputIsRefusedWithTheProblemNamed() {
    func message(_ body: () throws -> Void) -> String {
      do {
        try body()
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    let three = message {
      _ = try TSNE(data: [Float](repeating: 1, count: 6), count: 3, dimensions: 2)
    }
    #expect(three.contains("at least 4 points"))
    var options = TSNEOptions()
    options.perplexity = 10
    let perplexity = message {
      _ = try TSNE(data: (0..<20).map { Float($0) }, count: 10, dimensions: 2, options: options)
    }
    #expect(
      perplexity.contains("perplexity") && perplexity.contains("less than the number of points"))
    var data = (0..<40).map { Float($0) }
    data[13] = .nan
    let nan = message {
      _ = try TSNE(data: data, count: 20, dimensions: 2, options: TSNEOptions.small)
    }
    #expect(nan.contains("NaN") && nan.contains("point 6, dimension 1"))
    let shape = message { _ = try TSNE(data: [1, 2, 3], count: 4, dimensions: 1) }
    #expect(shape.contains("3 values"))
    options = .small
    options.theta = -1
    let theta = message {
      _ = try TSNE(data: (0..<40).map { Float($0) }, count: 20, dimensions: 2, options: options)
    }
    #expect(theta.contains("theta"))
    let ragged = message { _ = try TSNE(rows: [[1, 2], [3]]) }
    #expect(ragged.contains("row 1"))
  }
}

extension TSNEOptions {
  /// Options valid for a handful of points.
  static var small: TSNEOptions {
    var options = TSNEOptions()
    options.perplexity = 3
    return options
  }
}
