import Testing

@testable import Tensor

/// A small network's forward and backward pass, big enough that every kernel splits its work
/// across threads, must give the same bits for the same seed: run after run, and on one thread
/// or two.
@Suite struct DeterminismTests {
  private func run(seed: UInt64) throws -> [[Float]] {
    var random = RandomGenerator(seed: seed)
    let x = Tensor.randomNormal([4, 96, 160], using: &random)
    let w1 = Tensor.randomNormal([160, 320], standardDeviation: 0.05, using: &random).requiringGrad()
    let w2 = Tensor.randomNormal([320, 160], standardDeviation: 0.05, using: &random).requiringGrad()
    let gamma = Tensor.randomNormal([160], mean: 1, standardDeviation: 0.1, using: &random).requiringGrad()
    let beta = Tensor.randomNormal([160], standardDeviation: 0.1, using: &random).requiringGrad()
    let targets = IndexTensor((0..<(4 * 96)).map { _ in random.nextInt(below: 160) })

    let hidden = try x.matmul(w1).gelu(.erf)  // (4, 96, 320)
    let dropped = try hidden.dropout(probability: 0.1, training: true, using: &random)
    let projected = try dropped.matmul(w2).layerNorm(gamma: gamma, beta: beta)  // (4, 96, 160)
    let attention = try Tensor.matmul(projected, projected, transposeB: true).softmax()  // (4, 96, 96)
    let mixed = try attention.matmul(projected).reshaped([4 * 96, 160])
    let loss = try Tensor.crossEntropy(logits: mixed, targets: targets)
    try loss.backward()
    return [loss.scalars, w1.grad!.scalars, w2.grad!.scalars, gamma.grad!.scalars, beta.grad!.scalars]
  }

  @Test func sameSeedSameBitsOnAnyThreadCount() throws {
    let reference = try ComputeSettings.withThreadCount(2) { try run(seed: 17) }
    let again = try ComputeSettings.withThreadCount(2) { try run(seed: 17) }
    let single = try ComputeSettings.withThreadCount(1) { try run(seed: 17) }
    #expect(reference.map { $0.map(\.bitPattern) } == again.map { $0.map(\.bitPattern) })
    #expect(reference.map { $0.map(\.bitPattern) } == single.map { $0.map(\.bitPattern) })
    #expect(reference.allSatisfy { $0.allSatisfy(\.isFinite) })
    let other = try run(seed: 18)
    #expect(other[0] != reference[0])
  }
}
