import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE attraction over pairs stored once")
struct SparseAttractionTests {
  /// 20,000 points (4 bands), a symmetric P from a random graph, a spread map.
  static func problem(count n: Int = 20_000, k: Int = 10) throws -> (
    positions: [Float], p: SparseAffinities
  ) {
    let (columns, conditional) = SparseAffinitiesTests.graph(count: n, k: k, seed: 4)
    let p = try SparseAffinities(count: n, k: k, columns: columns, conditional: conditional)
    var random = RandomGenerator(seed: 5)
    let positions = (0..<(2 * n)).map { _ in Float(10 * random.nextNormal()) }
    return (positions, p)
  }

  /// Each pair's force added to both of its points equals sum_j p_ij w_ij (y_i - y_j) over the
  /// full matrix's rows, computed in Double; the bands' buffers give the same bits on 1, 2 and
  /// 3 threads.
  @Test func matchesTheFullRowsAndIsTheSameOnAnyThreadCount() throws {
    let (positions, p) = try Self.problem()
    #expect(TSNEGradient.attractionBands(count: positions.count / 2) == 4)
    try Self.expectMatchesTheFullRows(positions, p)
  }

  /// Rows of hundreds of pairs (dozens of eight-pair vectors, a scalar tail): every pair
  /// still added to both of its points once.
  @Test func longRowsMatchTheFullRows() throws {
    let (positions, p) = try Self.problem(count: 3000, k: 300)
    let longest = (0..<(positions.count / 2)).map { Int(p.rowStart[$0 + 1] - p.rowStart[$0]) }.max()!
    #expect(longest > 264, "longest row \(longest)")
    try Self.expectMatchesTheFullRows(positions, p)
  }

  static func expectMatchesTheFullRows(_ positions: [Float], _ p: SparseAffinities) throws {
    let n = positions.count / 2
    var reference = [Double](repeating: 0, count: 2 * n)
    p.withBuffers { buffers in
      for i in 0..<n {
        buffers.forEachEntry(ofRow: i) { j, value in
          let dx = Double(positions[2 * i]) - Double(positions[2 * j])
          let dy = Double(positions[2 * i + 1]) - Double(positions[2 * j + 1])
          let w = Double(value) / (1 + dx * dx + dy * dy)
          reference[2 * i] += w * dx
          reference[2 * i + 1] += w * dy
          reference[2 * j] -= w * dx
          reference[2 * j + 1] -= w * dy
        }
      }
    }
    var results: [[Float]] = []
    for threads in [1, 2, 3] {
      let attraction = ComputeSettings.withThreadCount(threads) {
        var evaluator = TSNEGradient(count: n)
        var gradient = [Float](repeating: 0, count: 2 * n)
        _ = evaluator.evaluate(
          positions: positions, affinities: .sparse(p), exaggeration: 1, theta: 0.5,
          repulsion: .barnesHut, gradient: &gradient)
        return evaluator.attraction
      }
      results.append(attraction)
    }
    #expect(results[1] == results[0])
    #expect(results[2] == results[0])
    var (error, norm) = (0.0, 0.0)
    for e in 0..<(2 * n) {
      let difference = Double(results[0][e]) - reference[e]
      error += difference * difference
      norm += reference[e] * reference[e]
    }
    #expect(error.squareRoot() < 1e-5 * norm.squareRoot())
  }
}
