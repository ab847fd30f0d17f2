import Testing

@testable import Tensor

/// The fused ops must give exactly the bits of the unfused ops they replace (forward values and
/// every gradient), on odd sizes and on one thread or two, and pass a finite-difference check.
@Suite struct FusedOpsTests {
  /// (leading dimensions, in, out): odd sizes, and one big enough that the forward rows, the
  /// backward columns and the layer norm's rows split across two threads.
  static let linearShapes: [([Int], Int, Int)] = [
    ([1], 1, 1), ([7], 33, 129), ([33], 129, 7), ([129], 7, 33), ([1], 129, 33), ([3, 7], 1, 7),
    ([3, 199], 129, 129),
  ]
  static let activations: [GELUApproximation?] = [nil, .tanh, .erf]

  private func linearRun(
    _ leading: [Int], _ inSize: Int, _ outSize: Int, bias hasBias: Bool,
    activation: GELUApproximation?, fused: Bool
  ) throws -> [[UInt32]] {
    var random = RandomGenerator(seed: UInt64(inSize * 1000 + outSize))
    let x = Tensor.randomNormal(Shape(leading + [inSize]), using: &random).requiringGrad()
    let weight = Tensor.randomNormal([outSize, inSize], using: &random).requiringGrad()
    let bias = hasBias ? Tensor.randomNormal([outSize], using: &random).requiringGrad() : nil
    let seed = Tensor.randomNormal(Shape(leading + [outSize]), using: &random)
    let y: Tensor
    if fused {
      y = try x.linear(weight: weight, bias: bias, activation: activation)
    } else {
      let product = try x.matmul(weight, transposeOther: true)
      let biased = try bias.map { try product + $0 } ?? product
      y = activation.map { biased.gelu($0) } ?? biased
    }
    try y.backward(gradient: seed)
    return ([y, x.grad!, weight.grad!] + (bias.map { [$0.grad!] } ?? [])).map {
      $0.scalars.map(\.bitPattern)
    }
  }

  @Test(arguments: [1, 2])
  func linearMatchesUnfusedBits(threads: Int) throws {
    try ComputeSettings.withThreadCount(threads) {
      for (leading, inSize, outSize) in Self.linearShapes {
        for activation in Self.activations {
          for hasBias in [true, false] {
            let fused = try linearRun(
              leading, inSize, outSize, bias: hasBias, activation: activation, fused: true)
            let plain = try linearRun(
              leading, inSize, outSize, bias: hasBias, activation: activation, fused: false)
            let name = activation.map { "\($0)" } ?? "none"
            #expect(fused == plain, "\(leading) x \(inSize) -> \(outSize), bias \(hasBias), \(name)")
          }
        }
      }
    }
  }

  @Test func linearSameBitsOnOneOrTwoThreads() throws {
    let single = try ComputeSettings.withThreadCount(1) {
      try linearRun([3, 199], 129, 129, bias: true, activation: .erf, fused: true)
    }
    let double = try ComputeSettings.withThreadCount(2) {
      try linearRun([3, 199], 129, 129, bias: true, activation: .erf, fused: true)
    }
    #expect(single == double)
  }

  private func residualNormRun(_ leading: [Int], _ n: Int, fused: Bool) throws -> [[UInt32]] {
    var random = RandomGenerator(seed: UInt64(n))
    let x = Tensor.randomNormal(Shape(leading + [n]), using: &random).requiringGrad()
    let r = Tensor.randomNormal(Shape(leading + [n]), using: &random).requiringGrad()
    let gamma = Tensor.randomNormal([n], mean: 1, standardDeviation: 0.1, using: &random).requiringGrad()
    let beta = Tensor.randomNormal([n], standardDeviation: 0.1, using: &random).requiringGrad()
    let seed = Tensor.randomNormal(Shape(leading + [n]), using: &random)
    let y = fused
      ? try x.layerNorm(adding: r, gamma: gamma, beta: beta, epsilon: 1e-12)
      : try (x + r).layerNorm(gamma: gamma, beta: beta, epsilon: 1e-12)
    try y.backward(gradient: seed)
    return [y, x.grad!, r.grad!, gamma.grad!, beta.grad!].map { $0.scalars.map(\.bitPattern) }
  }

  @Test(arguments: [1, 2])
  func residualLayerNormMatchesUnfusedBits(threads: Int) throws {
    try ComputeSettings.withThreadCount(threads) {
      for (leading, n) in [([1], 1), ([7], 33), ([33], 129), ([129], 7), ([2, 3], 7), ([3, 199], 129)] {
        let fused = try residualNormRun(leading, n, fused: true)
        let plain = try residualNormRun(leading, n, fused: false)
        #expect(fused == plain, "\(leading) x \(n)")
      }
    }
    let single = try ComputeSettings.withThreadCount(1) { try residualNormRun([3, 199], 129, fused: true) }
    let plain = try residualNormRun([3, 199], 129, fused: false)
    #expect(single == plain)
  }

  @Test func residualLayerNormOfATensorWithItself() throws {
    let x = randomTensor([5, 7], seed: 3).requiringGrad()
    let y = try x.layerNorm(adding: x, gamma: nil, beta: nil)
    try y.backward(gradient: randomTensor([5, 7], seed: 4))
    let fusedGradient = x.grad!.scalars
    x.zeroGrad()
    let plain = try (x + x).layerNorm(gamma: nil, beta: nil)
    try plain.backward(gradient: randomTensor([5, 7], seed: 4))
    #expect(y.scalars == plain.scalars)
    #expect(fusedGradient == x.grad!.scalars)
  }

  @Test func fusedGradientsMatchFiniteDifferences() throws {
    for activation in Self.activations {
      let inputs = [randomTensor([2, 3, 5], seed: 1), randomTensor([7, 5], seed: 2), randomTensor([7], seed: 3)]
      try checkGradients(inputs) {
        try $0[0].linear(weight: $0[1], bias: $0[2], activation: activation)
      }
    }
    try checkGradients([randomTensor([4, 5], seed: 1), randomTensor([3, 5], seed: 2)]) {
      try $0[0].linear(weight: $0[1], bias: nil)
    }
    try checkGradients(
      [randomTensor([3, 7], seed: 5), randomTensor([3, 7], seed: 6), randomTensor([7], seed: 7, offset: 1),
       randomTensor([7], seed: 8)]
    ) {
      try $0[0].layerNorm(adding: $0[1], gamma: $0[2], beta: $0[3])
    }
  }

  @Test func linearRejectsAWrongBias() throws {
    let x = randomTensor([2, 3], seed: 1)
    #expect(throws: TensorError.self) {
      try x.linear(weight: randomTensor([4, 3], seed: 2), bias: randomTensor([3], seed: 3))
    }
  }
}
