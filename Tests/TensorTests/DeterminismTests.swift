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

  /// The elementwise, broadcast and reduction kernels split across threads: bias-like inputs
  /// (threads take columns), per-row scales (threads take rows), unary maps, sums along an
  /// axis and of everything, a reshape's pullback, concatenation, slicing and row selection
  /// with repeated rows, forward and backward.
  private func elementwise() throws -> [[UInt32]] {
    var random = RandomGenerator(seed: 5)
    let x = Tensor.randomNormal([8, 100, 96], using: &random).requiringGrad()  // 76,800
    let bias = Tensor.randomNormal([96], using: &random).requiringGrad()
    let scale = Tensor.randomNormal([8, 100, 1], using: &random).requiringGrad()
    let slice = Tensor.randomNormal([8, 1, 96], using: &random).requiringGrad()
    let y = try (try (try x + bias) * scale) - slice  // (8, 100, 96)
    let z = try y.tanh() * y.sigmoid() + y.square() * 0.25 - y.abs()
    let columns = try z.sum(axis: 1)  // (8, 96)
    let rows = try z.reshaped([800, 96]).sum(axis: 1)  // (800)
    let joined = try Tensor.concatenate([z, y], axis: 1)  // (8, 200, 96)
    let middle = try joined.sliced(axis: 1, range: 50..<150).reshaped([800, 96])
    let repeated = IndexTensor((0..<2400).map { ($0 * 7) % 800 })  // each row picked 3 times
    let picked = try middle.indexSelected(axis: 0, indices: repeated)  // (2400, 96)
    let loss = try columns.square().sum() + rows.mean() * 3 + z.sum() + picked.square().mean()
    try loss.backward()
    return [loss, z, x.grad!, bias.grad!, scale.grad!, slice.grad!].map { $0.scalars.map(\.bitPattern) }
  }

  /// Dropout's mask is a hash of (key, index), so threads split it anywhere: the output, the
  /// gradient and the generator afterwards are those of one thread, bit for bit.
  @Test func dropoutGivesTheMaskOfOneThreadOnAnyThreadCount() throws {
    let count = 150_001
    var random = RandomGenerator(seed: 23)
    let x = Tensor.randomNormal([count], using: &random)
    let g = Tensor.randomNormal([count], using: &random)
    var serial = RandomGenerator(seed: 24)
    let mask = DropoutMask(key: serial.next(), probability: 0.3)
    let scales = (0..<count).map { mask.scale(at: $0) }
    let expectedOutput = zip(x.scalars, scales).map { ($0 * $1).bitPattern }
    let expectedGradient = zip(g.scalars, scales).map { (0 + $0 * $1).bitPattern }
    for threads in [1, 2, 3] {
      try ComputeSettings.withThreadCount(threads) {
        var rng = RandomGenerator(seed: 24)
        let input = Tensor(shape: x.shape, storage: x.storage.copy()).requiringGrad()
        let y = try input.dropout(probability: 0.3, training: true, using: &rng)
        try y.backward(gradient: g)
        #expect(y.scalars.map(\.bitPattern) == expectedOutput, "\(threads) threads")
        #expect(input.grad!.scalars.map(\.bitPattern) == expectedGradient, "\(threads) threads")
        #expect(rng == serial, "\(threads) threads")
      }
    }
  }

  @Test func elementwiseAndReductionKernelsGiveTheSameBitsOnAnyThreadCount() throws {
    let single = try ComputeSettings.withThreadCount(1) { try elementwise() }
    for threads in [2, 3] {
      #expect(try ComputeSettings.withThreadCount(threads) { try elementwise() } == single)
    }
  }
}
