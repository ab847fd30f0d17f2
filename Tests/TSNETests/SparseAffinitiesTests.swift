import Foundation
import Tensor
import Testing

@testable import TSNE

@Suite("Sparse affinities beside the graph")
struct SparseAffinitiesTests {
  /// A random k-regular graph without self-loops or repeated neighbours, with positive values.
  static func graph(count: Int, k: Int, seed: UInt64) -> ([Int32], [Float]) {
    var random = RandomGenerator(seed: seed)
    var columns: [Int32] = []
    var values: [Float] = []
    for i in 0..<count {
      var row = Set<Int>()
      while row.count < k {
        // Mostly near indices, so that many pairs are mutual, some far ones.
        let j = random.nextInt(below: 4) == 0
          ? random.nextInt(below: count) : (i + 1 + random.nextInt(below: 2 * k)) % count
        if j != i { row.insert(j) }
      }
      // Listed in a scrambled order (as neighbours by distance are).
      for j in row.sorted(by: { ($0 * 7919 % 101, $0) < ($1 * 7919 % 101, $1) }) {
        columns.append(Int32(j))
        values.append(Float(0.5 + random.nextDouble()))
      }
    }
    return (columns, values)
  }

  /// Against the definition: p_ij = (p(j|i) + p(i|j)) / (2 sum), summed in Double, every
  /// listed pair stored exactly once, in its smaller point's row.
  @Test(arguments: [(7, 3), (50, 5), (400, 12)])
  func symmetrisedValuesMatchTheDefinition(count: Int, k: Int) throws {
    let (columns, conditional) = Self.graph(count: count, k: k, seed: UInt64(count))
    var expected = [[Int: Double]](repeating: [:], count: count)
    var total = 0.0
    for value in conditional { total += Double(value) }
    for i in 0..<count {
      for r in 0..<k {
        let j = Int(columns[i * k + r])
        expected[i][j, default: 0] += Double(conditional[i * k + r])
        expected[j][i, default: 0] += Double(conditional[i * k + r])
      }
    }
    let p = try SparseAffinities(
      count: count, k: k, columns: columns, conditional: conditional)
    var seen = 0
    var sumOfP = 0.0
    p.withBuffers { buffers in
      for i in 0..<count {
        var row = Set<Int>()
        buffers.forEachEntry(ofRow: i) { j, value in
          #expect(j > i, "row \(i) stores \(j), a smaller point's pair")
          #expect(row.insert(j).inserted, "row \(i) lists \(j) twice")
          let want = Float(expected[i][j]! / (2 * total))
          #expect(value == want, "p[\(i)][\(j)] = \(value), expected \(want)")
          seen += 1
          sumOfP += 2 * Double(value)
        }
        #expect(row == Set(expected[i].keys.filter { $0 > i }), "row \(i)")
      }
    }
    #expect(2 * seen == expected.reduce(0) { $0 + $1.count })
    #expect(seen == p.entryCount)
    #expect(abs(sumOfP - 1) < 1e-5)
  }

  /// The t-SNE affinities built beside the graph give the same gradient as the same P in plain
  /// compressed rows.
  @Test func gradientMatchesPlainCompressedRows() throws {
    let n = 600
    let data = GaussianClusters(count: n, dimensions: 8, clusters: 4, seed: 3)
    let graph = NearestNeighbours.exact(data: data.data, count: n, dimensions: 8, k: 20)
    let affinities = try TSNEAffinities.sparse(graph: graph, perplexity: 6)
    guard case .sparse(let p) = affinities else {
      Issue.record("expected sparse affinities")
      return
    }
    var starts: [Int32] = [0]
    var columns: [Int32] = []
    var values: [Float] = []
    // The full matrix's rows: each stored pair in both of its rows.
    var rows = [[(Int, Float)]](repeating: [], count: n)
    p.withBuffers { buffers in
      for i in 0..<n {
        buffers.forEachEntry(ofRow: i) { j, value in
          rows[i].append((j, value))
          rows[j].append((i, value))
        }
      }
    }
    for row in rows {
      for (j, value) in row.sorted(by: { $0.0 < $1.0 }) {
        columns.append(Int32(j))
        values.append(value)
      }
      starts.append(Int32(columns.count))
    }
    let plain = TSNEAffinities.sparse(rowStart: starts, columns: columns, values: values)
    var random = RandomGenerator(seed: 9)
    let positions = (0..<(2 * n)).map { _ in Float(3 * random.nextNormal()) }
    var evaluator = TSNEGradient(count: n)
    for interpolated in [false, true] {
      var a = [Float](repeating: 0, count: 2 * n)
      var b = [Float](repeating: 0, count: 2 * n)
      let za = evaluator.evaluate(
        positions: positions, affinities: affinities, exaggeration: 1, theta: 0.5,
        repulsion: interpolated ? .interpolated : .barnesHut, gradient: &a)
      let zb = evaluator.evaluate(
        positions: positions, affinities: plain, exaggeration: 1, theta: 0.5,
        repulsion: interpolated ? .interpolated : .barnesHut, gradient: &b)
      #expect(za == zb)
      let norm = a.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
      let difference = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
      #expect(difference.squareRoot() < 1e-5 * norm)
    }
    #expect(abs(affinities.negativeEntropy - plain.negativeEntropy) < 1e-9 * abs(plain.negativeEntropy))
  }
}
