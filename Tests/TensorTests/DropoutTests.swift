import Testing
import TestSupport

@testable import Tensor

@Suite struct DropoutTests {
  private func dropout(_ x: Tensor, _ p: Float, seed: UInt64) throws -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return try x.dropout(probability: p, training: true, using: &rng)
  }

  @Test func maskIsDrawnInElementOrderFromTheGenerator() throws {
    let x = randomTensor([5, 7], seed: 41)
    let y = try dropout(x, 0.25, seed: 42)
    var rng = RandomGenerator(seed: 42)
    let expected = x.scalars.map { rng.nextFloat() < 0.25 ? 0 : $0 / 0.75 }
    expectClose(y.scalars, expected, absolute: 1e-6, relative: 1e-6)
  }

  @Test func sameSeedSameMaskOtherSeedOtherMask() throws {
    let x = Tensor.ones([1000])
    let first = try dropout(x, 0.5, seed: 7).scalars
    #expect(try dropout(x, 0.5, seed: 7).scalars == first)
    #expect(try dropout(x, 0.5, seed: 8).scalars != first)
  }

  @Test(arguments: [Float(0.1), 0.3, 0.5, 0.9])
  func keptFractionAndExpectedValue(probability: Float) throws {
    let n = 200_000
    let y = try dropout(Tensor.ones([n]), probability, seed: 43).scalars
    let kept = y.filter { $0 != 0 }
    // Binomial standard deviation of the kept fraction is at most 0.0012 here; allow 5 sigma.
    #expect(Swift.abs(Float(kept.count) / Float(n) - (1 - probability)) < 0.006)
    #expect(kept.allSatisfy { Swift.abs($0 - 1 / (1 - probability)) < 1e-6 })
    let mean = y.reduce(0, +) / Float(n)
    #expect(Swift.abs(mean - 1) < 0.06)
  }

  @Test func identityWhenNotTrainingOrZeroProbability() throws {
    let x = randomTensor([3, 4], seed: 44)
    var rng = RandomGenerator(seed: 45)
    let untouched = rng
    #expect(try x.dropout(probability: 0.5, training: false, using: &rng) === x)
    #expect(try x.dropout(probability: 0, training: true, using: &rng) === x)
    #expect(rng == untouched)
  }

  @Test func gradientUsesTheSameMask() throws {
    let x = Tensor.ones([64]).requiringGrad()
    let y = try dropout(x, 0.5, seed: 46)
    try y.backward(gradient: Tensor.ones([64]))
    #expect(x.grad?.scalars == y.scalars)
  }

  @Test(arguments: [[7], [1], [3, 33], [2, 3, 4, 5]])
  func gradients(shape: [Int]) throws {
    let x = randomTensor(shape, seed: 47)
    try checkGradients([x]) { try dropout($0[0], 0.3, seed: 48) }
    try checkGradients([x]) { try dropout($0[0], 0.3, seed: 48) * dropout($0[0], 0.5, seed: 49) }
  }

  @Test(arguments: [Float(1), 1.5, -0.1, .nan])
  func invalidProbabilityThrows(probability: Float) {
    var rng = RandomGenerator(seed: 49)
    let error = #expect(throws: TensorError.self) {
      try Tensor.ones([2]).dropout(probability: probability, training: true, using: &rng)
    }
    #expect(error?.description == "dropout: probability \(probability) must be in [0, 1)")
  }
}
