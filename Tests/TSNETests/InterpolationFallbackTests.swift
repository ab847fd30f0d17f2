import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE FFT gradient on maps wider than its grid")
struct InterpolationFallbackTests {
  /// A map of 3,000 points in a few units plus `outlier` far away, and a sparse P.
  static func map(outlier: Float) -> (positions: [Float], affinities: TSNEAffinities) {
    let n = 3000
    var random = RandomGenerator(seed: 12)
    var positions = (0..<(2 * n)).map { _ in Float(3 * random.nextNormal()) }
    positions[0] = outlier
    let k = 20
    var starts: [Int32] = [0]
    var columns: [Int32] = []
    for i in 0..<n {
      for r in 1...k { columns.append(Int32((i + r * 37) % n)) }
      starts.append(Int32(columns.count))
    }
    let values = [Float](repeating: 1 / Float(n * k), count: n * k)
    return (positions, .sparse(rowStart: starts, columns: columns, values: values))
  }

  static func gradient(_ positions: [Float], _ p: TSNEAffinities, interpolated: Bool) -> (
    [Float], Double
  ) {
    var evaluator = TSNEGradient(count: positions.count / 2)
    var gradient = [Float](repeating: 0, count: positions.count)
    let z = evaluator.evaluate(
      positions: positions, affinities: p, exaggeration: 1, theta: 0.5,
      repulsion: interpolated ? .interpolated : .barnesHut, gradient: &gradient)
    return (gradient, z)
  }

  /// A compact map is interpolated (the result differs from Barnes-Hut's in the last digits);
  /// with one point 100,000 units out the grid would need boxes of hundreds of units, and the
  /// gradient is Barnes-Hut's, bit for bit.
  @Test func farOutlierFallsBackToBarnesHut() {
    let (compact, p) = Self.map(outlier: 2)
    let evaluator = TSNEGradient(count: 3000)
    #expect(evaluator.interpolationResolves(span: TSNEGradient.span(compact)))
    let (fft, fftZ) = Self.gradient(compact, p, interpolated: true)
    let (tree, treeZ) = Self.gradient(compact, p, interpolated: false)
    #expect(fft != tree)
    #expect(abs(fftZ - treeZ) < 0.01 * treeZ)

    let (wide, _) = Self.map(outlier: 100_000)
    #expect(!evaluator.interpolationResolves(span: TSNEGradient.span(wide)))
    let (wideFFT, wideFFTZ) = Self.gradient(wide, p, interpolated: true)
    let (wideTree, wideTreeZ) = Self.gradient(wide, p, interpolated: false)
    #expect(wideFFT == wideTree && wideFFTZ == wideTreeZ)
    #expect(wideTreeZ > 0 && wideFFT.allSatisfy(\.isFinite))
  }

  /// `auto` picks per evaluation by the measured cost model: Barnes-Hut for a few thousand
  /// points (3 to 50 times cheaper there), the FFT for a compact map of a million points and
  /// Barnes-Hut again once that map has spread past the grid's node cap.
  @Test func automaticChoosesByCost() throws {
    #expect(!InterpolatedRepulsion.isCheaperThanBarnesHut(span: 10, count: 3000))
    #expect(InterpolatedRepulsion.isCheaperThanBarnesHut(span: 10, count: 1_000_000))
    #expect(!InterpolatedRepulsion.isCheaperThanBarnesHut(span: 300, count: 50_000))
    let data = GaussianClusters(count: 1500, dimensions: 8, clusters: 3, seed: 2)
    var options = TSNEOptions()
    options.iterations = 20
    var automatic = try TSNE(data: data.data, count: 1500, dimensions: 8, options: options)
    #expect(automatic.method == .automatic)
    automatic.run()
    #expect(automatic.interpolatedEvaluations == 0)
    options.method = .fft
    var fft = try TSNE(data: data.data, count: 1500, dimensions: 8, options: options)
    fft.run()
    #expect(fft.interpolatedEvaluations == 20)
  }
}
