import Testing
import TestSupport

@testable import Tensor

/// Sizes and masks of one attention problem.
struct AttentionCase: CustomStringConvertible, Sendable {
  var batch = 2, heads = 2, queries = 5, keys = 5, depth = 4, valueDepth = 4
  /// Pads `b + padding` keys of batch element b (capped at all keys): the last ones, or the
  /// first ones with `padFirst` (so that causal rows before the first real key see nothing).
  var padding: Int? = nil
  var padFirst = false
  var causal = false

  var description: String {
    "B\(batch) H\(heads) Tq\(queries) Tk\(keys) D\(depth) Dv\(valueDepth)"
      + (padding.map { " pad\($0)" + (padFirst ? " first" : "") } ?? "") + (causal ? " causal" : "")
  }

  func inputs(seed: UInt64) -> (query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor?) {
    let q = randomTensor([batch, heads, queries, depth], seed: seed)
    let k = randomTensor([batch, heads, keys, depth], seed: seed + 1)
    let v = randomTensor([batch, heads, keys, valueDepth], seed: seed + 2)
    let mask = padding.map { padding in
      let values = (0..<batch).flatMap { b in
        (0..<keys).map { j in
          let padded = Swift.min(keys, b + padding)
          return Float((padFirst ? j >= padded : j < keys - padded) ? 1 : 0)
        }
      }
      return try! Tensor(shape: [batch, keys], values: values)
    }
    return (q, k, v, mask)
  }
}

/// The chain of small ops the fused op replaces: matmul, scale, masked fill with -inf, softmax,
/// optional dropout scales (B, H, Tq, Tk), matmul.
private func referenceAttention(
  _ q: Tensor, _ k: Tensor, _ v: Tensor, keyMask: Tensor?, causal: Bool, scale: Float? = nil,
  dropoutScales: Tensor? = nil
) throws -> Tensor {
  let (batch, queries, keys) = (q.shape[0], q.shape[2], k.shape[2])
  let scores = try q.matmul(k, transposeOther: true) * (scale ?? 1 / Float(q.shape[3]).squareRoot())
  var hidden: [Float] = []  // (B, 1, Tq, Tk), 1 = masked
  for b in 0..<batch {
    for i in 0..<queries {
      for j in 0..<keys {
        let padded = keyMask.map { $0.scalars[b * keys + j] == 0 } ?? false
        hidden.append(padded || (causal && j > i) ? 1 : 0)
      }
    }
  }
  let mask = try Tensor(shape: [batch, 1, queries, keys], values: hidden)
  var probabilities = try scores.maskedFilled(mask, value: -.infinity).softmax(axis: -1)
  if let dropoutScales { probabilities = try probabilities * dropoutScales }
  return try probabilities.matmul(v)
}

/// The documented dropout scales: pair b x H + h keyed by the first draw of a generator seeded with
/// seed + pair x 0x9E3779B97F4A7C15, element (i, j) at index i x Tk + j of its `DropoutMask`.
private func dropoutScales(_ c: AttentionCase, probability: Float, seed: UInt64) -> Tensor {
  var values: [Float] = []
  for pair in 0..<(c.batch * c.heads) {
    var rng = RandomGenerator(seed: seed &+ UInt64(pair) &* 0x9E37_79B9_7F4A_7C15)
    let mask = DropoutMask(key: rng.next(), probability: probability)
    values += (0..<(c.queries * c.keys)).map { mask.scale(at: $0) }
  }
  return try! Tensor(shape: [c.batch, c.heads, c.queries, c.keys], values: values)
}

/// Output and the gradients w.r.t. fresh copies of the inputs for a fixed random upstream gradient.
private func valueAndGradients(
  _ inputs: [Tensor], seed: UInt64 = 5, _ function: ([Tensor]) throws -> Tensor
) throws -> (value: [Float], gradients: [[Float]]) {
  let leaves = inputs.map { $0.copied().requiringGrad() }
  let output = try function(leaves)
  let upstream = randomTensor(output.dimensions, seed: seed)
  try output.backward(gradient: upstream)
  return (output.scalars, leaves.map { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) })
}

@Suite struct AttentionTests {
  static let cases: [AttentionCase] = [
    AttentionCase(),
    AttentionCase(batch: 1, heads: 1, queries: 1, keys: 1, depth: 1, valueDepth: 1),
    AttentionCase(
      batch: 2, heads: 3, queries: 7, keys: 7, depth: 8, valueDepth: 8, padding: 2, causal: true),
    AttentionCase(batch: 1, heads: 2, queries: 17, keys: 17, depth: 7, valueDepth: 5, causal: true),
    AttentionCase(batch: 2, heads: 2, queries: 7, keys: 33, depth: 33, valueDepth: 7, padding: 3),
    AttentionCase(batch: 2, heads: 1, queries: 33, keys: 7, depth: 16, valueDepth: 33),
    AttentionCase(batch: 3, heads: 2, queries: 41, keys: 41, depth: 32, valueDepth: 32, padding: 5),
    AttentionCase(batch: 2, heads: 2, queries: 30, keys: 65, depth: 32, valueDepth: 32, padding: 9),
    // Leading keys padded and causal: the first queries of each element see no key at all.
    AttentionCase(
      batch: 2, heads: 2, queries: 6, keys: 6, depth: 4, valueDepth: 3, padding: 1, padFirst: true,
      causal: true),
    AttentionCase(batch: 2, heads: 2, queries: 6, keys: 6, depth: 4, valueDepth: 3, padding: 6),
  ]

  @Test(arguments: cases)
  func valuesAndGradientsMatchChainOfOps(c: AttentionCase) throws {
    let (q, k, v, mask) = c.inputs(seed: 100)
    let fused = try valueAndGradients([q, k, v]) {
      try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], keyMask: mask, causal: c.causal)
    }
    let reference = try valueAndGradients([q, k, v]) {
      try referenceAttention($0[0], $0[1], $0[2], keyMask: mask, causal: c.causal)
    }
    #expect(fused.value.allSatisfy { $0.isFinite })
    expectClose(fused.value, reference.value, absolute: 1e-5, relative: 1e-5)
    for (fusedGradient, referenceGradient) in zip(fused.gradients, reference.gradients) {
      #expect(fusedGradient.allSatisfy { $0.isFinite })
      expectClose(fusedGradient, referenceGradient, absolute: 1e-4, relative: 1e-4)
    }
  }

  @Test func fullyMaskedRowsGiveZerosAndNoNaN() throws {
    let c = AttentionCase(batch: 2, heads: 2, queries: 4, keys: 5, depth: 3, valueDepth: 3)
    let (q, k, v, _) = c.inputs(seed: 200)
    let mask = try Tensor(shape: [2, 5], values: [1, 1, 0, 1, 0] + [0, 0, 0, 0, 0])
    let result = try valueAndGradients([q, k, v]) {
      try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], keyMask: mask)
    }
    let half = result.value.count / 2
    #expect(result.value[half...].allSatisfy { $0 == 0 })
    #expect(result.value[..<half].allSatisfy { $0.isFinite && $0 != 0 })
    for gradient in result.gradients {
      #expect(gradient.allSatisfy { $0.isFinite })
      #expect(gradient[(gradient.count / 2)...].allSatisfy { $0 == 0 })
    }
    let probabilities = try Tensor.attentionProbabilities(query: q, key: k, keyMask: mask).scalars
    #expect(probabilities[(probabilities.count / 2)...].allSatisfy { $0 == 0 })
    // Padded keys 2 and 4 of batch element 0 get no weight.
    #expect(
      stride(from: 0, to: probabilities.count / 2, by: 5).allSatisfy {
        probabilities[$0 + 2] == 0 && probabilities[$0 + 4] == 0
      })
  }

  @Test func selfAttentionWithOneTensorSumsAllThreeGradients() throws {
    let x = randomTensor([2, 2, 9, 8], seed: 300)
    let fused = try valueAndGradients([x]) {
      try Tensor.attention(query: $0[0], key: $0[0], value: $0[0], causal: true)
    }
    let reference = try valueAndGradients([x]) {
      try referenceAttention($0[0], $0[0], $0[0], keyMask: nil, causal: true)
    }
    expectClose(fused.value, reference.value, absolute: 1e-5, relative: 1e-5)
    expectClose(fused.gradients[0], reference.gradients[0], absolute: 1e-4, relative: 1e-4)
  }

  @Test func gradientsOfEachInputAlone() throws {
    let c = AttentionCase(queries: 4, keys: 6, depth: 3, valueDepth: 5, padding: 1)
    let (q, k, v, mask) = c.inputs(seed: 350)
    let all = try valueAndGradients([q, k, v]) {
      try referenceAttention($0[0], $0[1], $0[2], keyMask: mask, causal: false)
    }
    for index in 0..<3 {
      let leaf = [q, k, v][index].copied().requiringGrad()
      var inputs = [q, k, v]
      inputs[index] = leaf
      let output = try Tensor.attention(
        query: inputs[0], key: inputs[1], value: inputs[2], keyMask: mask)
      try output.backward(gradient: randomTensor(output.dimensions, seed: 5))
      expectClose(leaf.grad?.scalars ?? [], all.gradients[index], absolute: 1e-4, relative: 1e-4)
    }
  }

  @Test func noKeysGiveZeros() throws {
    let q = randomTensor([2, 2, 3, 4], seed: 360).requiringGrad()
    let k = Tensor.zeros([2, 2, 0, 4]).requiringGrad()
    let v = Tensor.zeros([2, 2, 0, 5]).requiringGrad()
    let output = try Tensor.attention(query: q, key: k, value: v, keyMask: Tensor.zeros([2, 0]))
    #expect(output.dimensions == [2, 2, 3, 5])
    #expect(output.scalars.allSatisfy { $0 == 0 })
    try output.sum().backward()
    #expect(q.grad?.scalars.allSatisfy { $0 == 0 } == true)
  }

  @Test func explicitScaleMatchesReference() throws {
    let c = AttentionCase(queries: 6, keys: 9, depth: 5, valueDepth: 2, padding: 1)
    let (q, k, v, mask) = c.inputs(seed: 400)
    let fused = try Tensor.attention(query: q, key: k, value: v, keyMask: mask, scale: 0.7)
    let reference = try referenceAttention(q, k, v, keyMask: mask, causal: false, scale: 0.7)
    expectClose(fused.scalars, reference.scalars, absolute: 1e-5, relative: 1e-5)
  }

  @Test(arguments: [
    AttentionCase(batch: 1, heads: 2, queries: 3, keys: 4, depth: 3, valueDepth: 2, padding: 1),
    AttentionCase(batch: 1, heads: 1, queries: 4, keys: 4, depth: 3, valueDepth: 3, causal: true),
    AttentionCase(
      batch: 2, heads: 1, queries: 3, keys: 3, depth: 2, valueDepth: 2, padding: 1, causal: true),
  ])
  func finiteDifferences(c: AttentionCase) throws {
    let (q, k, v, mask) = c.inputs(seed: 500)
    try checkGradients([q, k, v]) {
      try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], keyMask: mask, causal: c.causal)
    }
  }

  @Test func finiteDifferencesWithDropout() throws {
    let c = AttentionCase(
      batch: 2, heads: 1, queries: 3, keys: 5, depth: 2, valueDepth: 3, padding: 1)
    let (q, k, v, mask) = c.inputs(seed: 600)
    try checkGradients([q, k, v]) {
      try Tensor.attention(
        query: $0[0], key: $0[1], value: $0[2], keyMask: mask, dropoutProbability: 0.3,
        dropoutSeed: 17)
    }
  }

  @Test func dropoutFollowsTheDocumentedMaskAndIsReproducible() throws {
    let c = AttentionCase(
      batch: 2, heads: 3, queries: 7, keys: 9, depth: 5, valueDepth: 6, padding: 2)
    let (q, k, v, mask) = c.inputs(seed: 700)
    func fused(seed: UInt64) throws -> (value: [Float], gradients: [[Float]]) {
      try valueAndGradients([q, k, v]) {
        try Tensor.attention(
          query: $0[0], key: $0[1], value: $0[2], keyMask: mask, dropoutProbability: 0.25,
          dropoutSeed: seed)
      }
    }
    let first = try fused(seed: 42)
    let again = try fused(seed: 42)
    #expect(first.value == again.value && first.gradients == again.gradients)
    #expect(try fused(seed: 43).value != first.value)
    let scales = dropoutScales(c, probability: 0.25, seed: 42)
    let reference = try valueAndGradients([q, k, v]) {
      try referenceAttention(
        $0[0], $0[1], $0[2], keyMask: mask, causal: false, dropoutScales: scales)
    }
    expectClose(first.value, reference.value, absolute: 1e-5, relative: 1e-5)
    for (a, b) in zip(first.gradients, reference.gradients) { expectClose(
      a, b, absolute: 1e-4, relative: 1e-4) }
    // Without recording gradients the same mask is drawn.
    let inference = try noGrad {
      try Tensor.attention(
        query: q, key: k, value: v, keyMask: mask, dropoutProbability: 0.25, dropoutSeed: 42)
    }
    #expect(inference.scalars == first.value)
  }

  @Test func bitIdenticalForOneAndTwoThreads() throws {
    let c = AttentionCase(
      batch: 4, heads: 2, queries: 41, keys: 41, depth: 32, valueDepth: 32, padding: 3)
    let (q, k, v, mask) = c.inputs(seed: 800)
    func run() throws -> (value: [Float], gradients: [[Float]]) {
      try valueAndGradients([q, k, v]) {
        try Tensor.attention(
          query: $0[0], key: $0[1], value: $0[2], keyMask: mask, dropoutProbability: 0.1,
          dropoutSeed: 3)
      }
    }
    let one = try ComputeSettings.withThreadCount(1) { try run() }
    let two = try ComputeSettings.withThreadCount(2) { try run() }
    #expect(one.value == two.value)
    #expect(one.gradients == two.gradients)
  }

  @Test func probabilitiesMatchSoftmaxOfMaskedScores() throws {
    let c = AttentionCase(
      batch: 2, heads: 2, queries: 7, keys: 7, depth: 5, valueDepth: 5, padding: 2, causal: true)
    let (q, k, _, mask) = c.inputs(seed: 900)
    let leafQuery = q.copied().requiringGrad()
    let probabilities = try Tensor.attentionProbabilities(
      query: leafQuery, key: k, keyMask: mask, causal: true)
    #expect(probabilities.dimensions == [2, 2, 7, 7])
    #expect(!probabilities.requiresGrad)
    // Attending with the identity as values returns the probabilities themselves.
    let identity = try Tensor(
      shape: [2, 2, 7, 7], values: (0..<(4 * 49)).map { Float($0 % 49 % 8 == 0 ? 1 : 0) })
    let reference = try referenceAttention(q, k, identity, keyMask: mask, causal: true)
    expectClose(probabilities.scalars, reference.scalars, absolute: 1e-6, relative: 1e-6)
  }

  @Test func shapeErrorsNameEveryShape() {
    let q = Tensor.zeros([2, 4, 5, 8])
    let k = Tensor.zeros([2, 4, 6, 8])
    let v = Tensor.zeros([2, 4, 6, 3])
    func expectShapeError(_ reason: String, _ body: () throws -> Tensor) {
      do {
        _ = try body()
        Issue.record("expected a shape error: \(reason)")
      } catch let TensorError.shapeMismatch(op, detail) {
        #expect(op == "attention")
        #expect(
          detail.contains("query (") && detail.contains("key (") && detail.contains("value ("),
          "\(detail)")
        #expect(detail.contains(reason), "\(detail)")
      } catch {
        Issue.record("unexpected error \(error)")
      }
    }
    expectShapeError("depths differ") {
      try .attention(query: q, key: Tensor.zeros([2, 4, 6, 7]), value: v)
    }
    expectShapeError("token counts differ") {
      try .attention(query: q, key: k, value: Tensor.zeros([2, 4, 5, 3]))
    }
    expectShapeError("head counts differ") {
      try .attention(query: q, key: Tensor.zeros([2, 2, 6, 8]), value: v)
    }
    expectShapeError("rank 4") { try .attention(query: Tensor.zeros([4, 5, 8]), key: k, value: v) }
    expectShapeError("keyMask must have shape (batch, keys) = (2, 6)") {
      try .attention(query: q, key: k, value: v, keyMask: Tensor.ones([2, 5]))
    }
    expectShapeError("causal") { try .attention(query: q, key: k, value: v, causal: true) }
    #expect(throws: TensorError.self) {
      try Tensor.attention(query: q, key: k, value: v, dropoutProbability: 1)
    }
  }
}
