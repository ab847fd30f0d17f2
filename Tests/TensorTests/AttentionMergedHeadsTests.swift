import Testing

@testable import Tensor

/// `Tensor.attention(heads:...)` reads Q, K and V with their heads merged, (B, T, H D) as the
/// projections write them, and writes its output merged: it must give exactly the bits of
/// splitting the heads, `attention` on (B, H, T, D) and merging its output, for the value and
/// every gradient, with key masks (a fully masked row included), causal masks and dropout, on one
/// thread or two.
@Suite struct AttentionMergedHeadsTests {
  struct Case: Sendable, CustomStringConvertible {
    let batch: Int, heads: Int, queries: Int, keys: Int, depth: Int, valueDepth: Int
    var causal = false
    var masked = false
    var dropout: Float = 0

    var description: String {
      "B\(batch) H\(heads) Tq\(queries) Tk\(keys) D\(depth) Dv\(valueDepth) causal \(causal) "
        + "masked \(masked) dropout \(dropout)"
    }
  }

  static let cases: [Case] = [
    Case(batch: 1, heads: 1, queries: 1, keys: 1, depth: 1, valueDepth: 1),
    Case(batch: 3, heads: 3, queries: 7, keys: 33, depth: 5, valueDepth: 6, masked: true, dropout: 0.25),
    Case(
      batch: 3, heads: 2, queries: 17, keys: 17, depth: 16, valueDepth: 16, causal: true,
      masked: true, dropout: 0.1),
    Case(batch: 4, heads: 4, queries: 41, keys: 9, depth: 8, valueDepth: 3, masked: true),
    // Large enough per pair that two threads split the pairs.
    Case(
      batch: 4, heads: 2, queries: 41, keys: 41, depth: 32, valueDepth: 32, masked: true,
      dropout: 0.1),
  ]

  /// The output's and dQ, dK, dV's bits, merged or through split heads.
  private func run(_ c: Case, merged: Bool) throws -> [[UInt32]] {
    var random = RandomGenerator(seed: UInt64(c.batch * 1000 + c.queries * 10 + c.keys))
    let q = Tensor.randomNormal([c.batch, c.queries, c.heads * c.depth], using: &random)
    let k = Tensor.randomNormal([c.batch, c.keys, c.heads * c.depth], using: &random)
    let v = Tensor.randomNormal([c.batch, c.keys, c.heads * c.valueDepth], using: &random)
    for x in [q, k, v] { x.requiringGrad() }
    let seed = Tensor.randomNormal([c.batch, c.queries, c.heads * c.valueDepth], using: &random)
    // Batch b hides its last b keys; batch 2 hides every key.
    let mask = try Tensor(
      shape: [c.batch, c.keys],
      values: (0..<c.batch).flatMap { b in (0..<c.keys).map { b != 2 && $0 < c.keys - b ? 1 : 0 } })
    let keyMask = c.masked ? mask : nil
    let y: Tensor
    if merged {
      y = try Tensor.attention(
        heads: c.heads, query: q, key: k, value: v, keyMask: keyMask, causal: c.causal,
        dropoutProbability: c.dropout, dropoutSeed: 9)
    } else {
      func split(_ x: Tensor) throws -> Tensor {
        try x.reshaped([x.shape[0], x.shape[1], c.heads, x.shape[2] / c.heads])  // (B, T, H, D)
          .permuted([0, 2, 1, 3])  // (B, H, T, D)
      }
      y = try Tensor.attention(
        query: split(q), key: split(k), value: split(v), keyMask: keyMask, causal: c.causal,
        dropoutProbability: c.dropout, dropoutSeed: 9
      )  // (B, H, Tq, Dv)
      .permuted([0, 2, 1, 3])  // (B, Tq, H, Dv)
      .reshaped([c.batch, c.queries, c.heads * c.valueDepth])
    }
    try y.backward(gradient: seed)
    return ([y.scalars] + [q, k, v].map { $0.grad?.scalars ?? [] }).map { $0.map(\.bitPattern) }
  }

  @Test(arguments: [1, 2])
  func matchesSplitHeadsBitForBit(threads: Int) throws {
    try ComputeSettings.withThreadCount(threads) {
      for c in Self.cases {
        let merged = try run(c, merged: true)
        #expect(merged.allSatisfy { !$0.isEmpty }, "\(c)")
        #expect(merged == (try run(c, merged: false)), "\(c)")
      }
    }
  }

  @Test func shapeErrorsNameTheOperands() throws {
    let (q, k, v) = (Tensor.zeros([2, 5, 8]), Tensor.zeros([2, 6, 8]), Tensor.zeros([2, 6, 4]))
    _ = try Tensor.attention(heads: 4, query: q, key: k, value: v)
    func expectShapeError(_ fragment: String, _ body: () throws -> Tensor) {
      do {
        _ = try body()
        Issue.record("expected a shape error mentioning \(fragment)")
      } catch {
        #expect("\(error)".contains(fragment), "\(error)")
      }
    }
    expectShapeError("multiple of the head count") {
      try .attention(heads: 3, query: q, key: k, value: v)
    }
    expectShapeError("rank 3") {
      try .attention(heads: 4, query: Tensor.zeros([2, 5, 2, 4]), key: k, value: v)
    }
    expectShapeError("token counts") {
      try .attention(heads: 4, query: q, key: k, value: Tensor.zeros([2, 5, 4]))
    }
    expectShapeError("keyMask") {
      try .attention(heads: 4, query: q, key: k, value: v, keyMask: Tensor.ones([2, 5]))
    }
    expectShapeError("causal") { try .attention(heads: 4, query: q, key: k, value: v, causal: true) }
    expectShapeError("head count must be positive") {
      try .attention(heads: 0, query: q, key: k, value: v)
    }
  }
}
