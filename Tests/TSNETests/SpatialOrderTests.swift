import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE spatial order")
struct SpatialOrderTests {
  @Test func cornersFollowTheZCurve() {
    // (x, y) = (1, 1), (0, 0), (0, 1), (1, 0): along the curve (0,0), (1,0), (0,1), (1,1).
    let positions: [Float] = [1, 1, 0, 0, 0, 1, 1, 0]
    #expect(SpatialOrder.permutation(positions: positions, count: 4) == [1, 3, 2, 0])
    #expect(SpatialOrder.interleave(0xFFFF) == 0x5555_5555)
    #expect(SpatialOrder.interleave(0b101) == 0b10001)
  }

  /// A permutation, and points close in the map get close indices: on random points the
  /// median index gap to the nearest other point falls from about n/3 to a few.
  @Test func mapNeighboursGetNearbyIndices() {
    let n = 4000
    var random = RandomGenerator(seed: 9)
    let positions = (0..<(2 * n)).map { _ in Float(random.nextNormal()) }
    let original = SpatialOrder.permutation(positions: positions, count: n)
    #expect(Set(original.map { Int($0) }) == Set(0..<n))
    let order = LocalityOrder(original: original)
    func medianGap(_ index: (Int) -> Int) -> Int {
      var gaps = [Int]()
      for i in stride(from: 0, to: n, by: 7) {
        var (best, nearest) = (Float.infinity, 0)
        for j in 0..<n where j != i {
          let (dx, dy) = (positions[2 * i] - positions[2 * j], positions[2 * i + 1] - positions[2 * j + 1])
          if dx * dx + dy * dy < best { (best, nearest) = (dx * dx + dy * dy, j) }
        }
        gaps.append(abs(index(i) - index(nearest)))
      }
      return gaps.sorted()[gaps.count / 2]
    }
    let before = medianGap { $0 }
    let after = medianGap { Int(order.internalIndex[$0]) }
    #expect(before > n / 5, "caller's order: \(before)")
    #expect(after < 20, "spatial order: \(after)")
  }

  static func randomAffinities(count n: Int, seed: UInt64) -> SparseAffinities {
    var random = RandomGenerator(seed: seed)
    var rowStart: [Int32] = [0]
    var columns: [Int32] = []
    var values: [Float] = []
    // A symmetric P as full rows: each pair (i, j) in both rows, with the same value.
    var pairs = [Int: [(Int, Float)]]()
    for i in 0..<n {
      for _ in 0..<6 {
        let j = random.nextInt(below: n)
        if j == i || pairs[i, default: []].contains(where: { $0.0 == j }) { continue }
        let v = random.nextFloat() + 0.01
        pairs[i, default: []].append((j, v))
        pairs[j, default: []].append((i, v))
      }
    }
    for i in 0..<n {
      for (j, v) in pairs[i, default: []].sorted(by: { $0.0 < $1.0 }) {
        columns.append(Int32(j))
        values.append(v)
      }
      rowStart.append(Int32(columns.count))
    }
    return SparseAffinities(rowStart: rowStart, columns: columns, values: values)
  }

  static func pairSet(_ p: SparseAffinities, renamed label: (Int) -> Int = { $0 }) -> [String: Float] {
    var set = [String: Float]()
    for m in 0..<p.count {
      for e in Int(p.rowStart[m])..<Int(p.rowStart[m + 1]) {
        let (a, b) = (label(m), label(Int(p.columns[e])))
        set["\(min(a, b)),\(max(a, b))"] = p.values[e]
      }
    }
    return set
  }

  @Test func relabelledAffinitiesHoldTheSamePairsInTheirLayout() {
    let n = 700
    let p = Self.randomAffinities(count: n, seed: 5)
    var random = RandomGenerator(seed: 6)
    var newIndex = (0..<n).map { Int32($0) }
    for i in stride(from: n - 1, to: 0, by: -1) { newIndex.swapAt(i, random.nextInt(below: i + 1)) }
    let q = p.relabelled(newIndex: newIndex)
    #expect(q.count == n && q.entryCount == p.entryCount && q.rowStart.count == n + 1)
    for m in 0..<n {
      let row = Array(q.columns[Int(q.rowStart[m])..<Int(q.rowStart[m + 1])])
      #expect(row.allSatisfy { Int($0) > m }, "row \(m) holds a pair of a smaller point")
      #expect(row == row.sorted() && Set(row).count == row.count, "row \(m) not in column order")
    }
    #expect(Self.pairSet(q) == Self.pairSet(p) { Int(newIndex[$0]) })
    // Renamed back, the same arrays.
    let back = LocalityOrder(original: newIndex).internalIndex
    let r = q.relabelled(newIndex: back)
    #expect(r.rowStart == p.rowStart && r.columns == p.columns && r.values == p.values)
  }

  /// Relabelling renames the points only: the embedding in the caller's order and KL(P || Q)
  /// stay (KL up to the order of its sums), and the run goes on to the same kind of map.
  @Test func relabellingKeepsTheMapAndTheCallersOrder() throws {
    let n = 1500
    let (data, labels) = LocalityOrderTests.shuffledClusters(count: n)
    var options = TSNEOptions()
    options.method = .barnesHut
    options.iterations = 300
    var plain = try TSNE(data: data, count: n, dimensions: 16, options: options)
    plain.step(iterations: 100)
    var relabelled = plain
    let before = relabelled.embedding
    let kl = relabelled.computeKLDivergence()
    relabelled.relabelSpatially()
    #expect(relabelled.embedding == before)
    #expect(relabelled.point(123) == SIMD2(before[246], before[247]))
    #expect(abs(relabelled.computeKLDivergence() - kl) < 1e-5 * abs(kl))
    plain.run()
    relabelled.run()
    let accuracy = TSNEBehaviourTests().neighbourLabelAccuracy(relabelled.embedding, labels)
    #expect(accuracy >= 0.99)
    #expect(abs(relabelled.klDivergence! - plain.klDivergence!) < 0.01 * plain.klDivergence!)
  }

  /// The relabelled pairs, and the run after them, are the same bits on 1, 2 or 3 threads.
  @Test func relabellingIsTheSameOnAnyThreadCount() throws {
    let n = 9000
    let (data, _) = LocalityOrderTests.shuffledClusters(count: n)
    var options = TSNEOptions()
    options.iterations = 80
    func run(threads: Int) throws -> (embedding: [Float], columns: [Int32]) {
      try ComputeSettings.withThreadCount(threads) {
        var tsne = try TSNE(data: data, count: n, dimensions: 16, options: options)
        tsne.step(iterations: 40)
        tsne.relabelSpatially()
        guard case .sparse(let p) = tsne.affinities else { return ([], []) }
        tsne.run()
        return (tsne.embedding, p.columns)
      }
    }
    let one = try run(threads: 1)
    #expect(!one.columns.isEmpty)
    for threads in [2, 3] {
      let other = try run(threads: threads)
      #expect(other.columns == one.columns, "\(threads) threads: other pairs")
      #expect(other.embedding == one.embedding, "\(threads) threads: another map")
    }
  }

  @Test func largeSparseRunsRelabelAFewTimes() {
    #expect(TSNE.relabelsSpatially(count: 1_000_000, after: 250))
    #expect(!TSNE.relabelsSpatially(count: 1_000_000, after: 50))
    #expect(!TSNE.relabelsSpatially(count: 50_000, after: 250))
  }
}
