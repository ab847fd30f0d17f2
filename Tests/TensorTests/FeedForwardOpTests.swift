import Testing

@testable import Tensor

/// `Tensor.feedForward` keeps only x and computes the hidden pre-activation and the GELU output
/// again in backward; it must give exactly the bits of the two `linear` ops it replaces, for every
/// combination of inputs that need a gradient, on one thread or two.
@Suite struct FeedForwardOpTests {
  /// (leading dimensions, in, hidden, out), odd sizes and one that splits across two threads.
  static let shapes: [([Int], Int, Int, Int)] = [
    ([1], 1, 1, 1), ([7], 33, 129, 7), ([2, 5], 7, 33, 129), ([3, 199], 129, 257, 129),
  ]

  /// Which inputs require a gradient: x, the hidden weight and bias, the output weight and bias.
  static let needs: [[Bool]] = [
    [true, true, true, true, true], [false, true, true, true, true],
    [true, false, false, true, true], [true, true, true, false, false],
    [false, false, false, true, false],
  ]

  private func run(
    _ leading: [Int], _ inSize: Int, _ hidden: Int, _ outSize: Int, biases: Bool,
    needs: [Bool], activation: GELUApproximation, fused: Bool
  ) throws -> [[UInt32]] {
    var random = RandomGenerator(seed: UInt64(inSize * 1000 + hidden * 10 + outSize))
    let x = Tensor.randomNormal(Shape(leading + [inSize]), using: &random)
    let w1 = Tensor.randomNormal([hidden, inSize], using: &random)
    let b1 = biases ? Tensor.randomNormal([hidden], using: &random) : nil
    let w2 = Tensor.randomNormal([outSize, hidden], using: &random)
    let b2 = biases ? Tensor.randomNormal([outSize], using: &random) : nil
    let seed = Tensor.randomNormal(Shape(leading + [outSize]), using: &random)
    let all: [Tensor?] = [x, w1, b1, w2, b2]
    for (tensor, flag) in zip(all, needs) { tensor?.requiringGrad(flag) }
    let y =
      fused
      ? try x.feedForward(
        hiddenWeight: w1, hiddenBias: b1, activation: activation, outputWeight: w2,
        outputBias: b2)
      : try x.linear(weight: w1, bias: b1, activation: activation).linear(weight: w2, bias: b2)
    try y.backward(gradient: seed)
    let gradients = all.compactMap { $0 }.map { $0.grad?.scalars.map(\.bitPattern) ?? [] }
    return [y.scalars.map(\.bitPattern)] + gradients
  }

  @Test(arguments: [1, 2])
  func matchesTwoLinearsBitForBit(threads: Int) throws {
    try ComputeSettings.withThreadCount(threads) {
      for (leading, inSize, hidden, outSize) in Self.shapes {
        for needs in Self.needs {
          for activation in [GELUApproximation.erf, .tanh] {
            for biases in [true, false] {
              let arguments = (leading, inSize, hidden, outSize)
              let fused = try run(
                leading, inSize, hidden, outSize, biases: biases, needs: needs,
                activation: activation, fused: true)
              let plain = try run(
                leading, inSize, hidden, outSize, biases: biases, needs: needs,
                activation: activation, fused: false)
              #expect(fused == plain, "\(arguments) needs \(needs) \(activation) biases \(biases)")
            }
          }
        }
      }
    }
  }

  @Test func gradientsMatchFiniteDifferences() throws {
    let inputs = [
      randomTensor([2, 3, 5], seed: 1), randomTensor([7, 5], seed: 2),
      randomTensor([7], seed: 3, scale: 0.5), randomTensor([4, 7], seed: 4),
      randomTensor([4], seed: 5, scale: 0.5),
    ]
    try checkGradients(inputs) {
      try $0[0].feedForward(
        hiddenWeight: $0[1], hiddenBias: $0[2], activation: .erf, outputWeight: $0[3],
        outputBias: $0[4])
    }
  }

  @Test func mismatchedBiasThrows() throws {
    let x = Tensor.ones([2, 3])
    #expect(throws: TensorError.self) {
      try x.feedForward(
        hiddenWeight: Tensor.ones([4, 3]), hiddenBias: Tensor.ones([3]), activation: .erf,
        outputWeight: Tensor.ones([2, 4]), outputBias: nil)
    }
  }
}
