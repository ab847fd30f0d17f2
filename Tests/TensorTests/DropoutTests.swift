import Testing
import TestSupport

@testable import Tensor

@Suite struct DropoutTests {
  private func dropout(_ x: Tensor, _ p: Float, seed: UInt64) throws -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return try x.dropout(probability: p, training: true, using: &rng)
  }

  /// The first draw of the generator keys the mask; the pattern is from the independent Python
  /// implementation in Tests/Fixtures/dropout/dropout_mask.py (1: dropped).
  @Test func maskIsKeyedByOneDrawAndMatchesTheReference() throws {
    let x = randomTensor([5, 7], seed: 41)
    var rng = RandomGenerator(seed: 42)
    let y = try x.dropout(probability: 0.25, training: true, using: &rng)
    var once = RandomGenerator(seed: 42)
    _ = once.next()
    #expect(rng == once)
    let pattern = Array("00000001000000001010000000001000100")
    let expected = x.scalars.enumerated().map { $0.element * (pattern[$0.offset] == "1" ? 0 : 1 / 0.75) }
    #expect(y.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
  }

  /// Each element's 24-bit uniform u, pinned by the Python reference (indices 0-7 and the last
  /// two before 2^32): dropped at p = (u + 1) / 2^24, kept at p = u / 2^24.
  @Test func uniformsMatchTheReferenceExactly() {
    let key: UInt64 = 1_546_998_764_402_558_742
    let indices = Array(0..<8) + [(1 << 32) - 2, (1 << 32) - 1]
    let uniforms: [Int] = [
      8_241_441, 13_905_479, 13_918_693, 15_813_195, 9_709_923, 7_298_182, 8_577_698, 919_249,
      4_318_972, 8_606_255,
    ]
    for (index, u) in zip(indices, uniforms) {
      let kept = DropoutMask(key: key, probability: Float(u) * 0x1p-24)
      let dropped = DropoutMask(key: key, probability: Float(u + 1) * 0x1p-24)
      #expect(kept.scale(at: index) == kept.keptScale, "index \(index)")
      #expect(dropped.scale(at: index) == 0, "index \(index)")
    }
  }

  /// The vector paths agree with the per-element scale wherever a range starts and ends.
  @Test(arguments: [(0, 1), (0, 16), (3, 29), (15, 17), (100, 257)])
  func kernelRangesAgreeWithTheScales(first: Int, count: Int) {
    let mask = DropoutMask(key: 0xDEAD_BEEF_0123_4567, probability: 0.4)
    var random = RandomGenerator(seed: 5)
    let x = (0..<count).map { _ in Float(random.nextNormal()) }
    let g = (0..<count).map { _ in Float(random.nextNormal()) }
    let start = (0..<count).map { _ in Float(random.nextNormal()) }
    let scales = (0..<count).map { mask.scale(at: first + $0) }
    var y = [Float](repeating: .nan, count: count)
    var m = [Float](repeating: .nan, count: count)
    var gx = start
    x.withUnsafeBufferPointer { x in
      y.withUnsafeMutableBufferPointer {
        mask.apply(x.baseAddress!, into: $0.baseAddress!, first: first, count: count)
      }
    }
    g.withUnsafeBufferPointer { g in
      gx.withUnsafeMutableBufferPointer {
        mask.accumulate(g.baseAddress!, into: $0.baseAddress!, first: first, count: count)
      }
    }
    m.withUnsafeMutableBufferPointer { mask.write(into: $0.baseAddress!, first: first, count: count) }
    #expect(m == scales)
    #expect(y == zip(x, scales).map { $0 * $1 })
    #expect(gx == (0..<count).map { start[$0].addingProduct(g[$0], scales[$0]) })
  }

  /// Neighbouring elements, and the same element under consecutive keys, are dropped
  /// independently: each joint frequency within 5 binomial standard deviations of p^2.
  @Test func decisionsAreIndependentAcrossIndicesAndKeys() {
    let n = 200_000
    let p: Float = 0.5
    let first = DropoutMask(key: 12_345, probability: p)
    let next = DropoutMask(key: 12_346, probability: p)
    var neighbours = 0, acrossKeys = 0, dropped = 0
    for i in 0..<n {
      let d = first.scale(at: i) == 0
      if d { dropped += 1 }
      if d, first.scale(at: i + 1) == 0 { neighbours += 1 }
      if d, next.scale(at: i) == 0 { acrossKeys += 1 }
    }
    let sigma = (0.25 * 0.75 / Double(n)).squareRoot()
    #expect(Swift.abs(Double(dropped) / Double(n) - 0.5) < 5 * (0.25 / Double(n)).squareRoot())
    #expect(Swift.abs(Double(neighbours) / Double(n) - 0.25) < 5 * sigma)
    #expect(Swift.abs(Double(acrossKeys) / Double(n) - 0.25) < 5 * sigma)
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
