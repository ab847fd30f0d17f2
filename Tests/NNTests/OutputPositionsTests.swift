import Testing

@testable import NN
@testable import Tensor

/// An encoder whose last layer computes some positions alone (the [CLS] that ITM reads, the
/// masked words that MLM reads) gives the whole encoder's rows there bit for bit without
/// dropout, and the same gradients up to rounding (the weight gradients' sums skip exact zeros
/// and group rows differently).
@Suite struct OutputPositionsTests {
  private static let (batch, length, dimension, crossLength) = (3, 7, 32, 5)

  private func encoder(_ normalization: NormalizationPlacement, seed: UInt64) throws
    -> TransformerEncoder
  {
    var random = RandomGenerator(seed: seed)
    return try TransformerEncoder(
      layerCount: 2,
      configuration: TransformerLayerConfiguration(
        dimension: Self.dimension, headCount: 4, hiddenSize: 64, dropout: 0, attentionDropout: 0,
        normalization: normalization, crossAttentionSize: 24),
      random: &random)
  }

  /// The output at `positions` (B, Tq) and every gradient, from the whole encoder or from one
  /// computing those positions alone.
  private func run(
    _ normalization: NormalizationPlacement, positions: [[Int]], alone: Bool
  ) throws -> (
    output: [Float], gradients: [[Float]]
  ) {
    let model = try encoder(normalization, seed: 7)
    var random = RandomGenerator(seed: 11)
    let x = Tensor.randomNormal([Self.batch, Self.length, Self.dimension], using: &random)
    let cross = Tensor.randomNormal([Self.batch, Self.crossLength, 24], using: &random)
    let count = positions[0].count
    let seed = Tensor.randomNormal([Self.batch, count, Self.dimension], using: &random)
    let outputPositions = try IndexTensor(
      shape: [Self.batch, count], values: positions.flatMap { $0 })
    x.requiringGrad(true)
    // Padding at the end of the second and third texts and images.
    let mask = try Tensor(
      shape: [Self.batch, Self.length],
      values: (0..<Self.batch).flatMap { b in (0..<Self.length).map { $0 < Self.length - b ? 1 : 0 }
      })
    let crossMask = try Tensor(
      shape: [Self.batch, Self.crossLength],
      values: (0..<Self.batch).flatMap { b in
        (0..<Self.crossLength).map { $0 < Self.crossLength - b ? 1 : 0 }
      })
    let output = try model(
      x, mask: mask, crossInput: cross, crossMask: crossMask,
      outputPositions: alone ? outputPositions : nil,
      context: ForwardContext(training: true, seed: 3))
    let selected =
      alone
      ? output
      : try output.reshaped([Self.batch * Self.length, Self.dimension])
        .indexSelected(
          axis: 0,
          indices: IndexTensor(
            positions.enumerated().flatMap { b, row in row.map { b * Self.length + $0 } })
        )
        .reshaped([Self.batch, count, Self.dimension])
    try (selected * seed).sum().backward()
    let gradients = ([x] + model.parameters).map { $0.grad?.scalars ?? [] }
    return (selected.scalars, gradients)
  }

  /// The [CLS] of each sequence (ITM), and masked words with a repeated padding row (MLM).
  static let cases: [(NormalizationPlacement, [[Int]])] = [
    (.preNorm, [[0], [0], [0]]), (.postNorm, [[0], [0], [0]]),
    (.preNorm, [[2, 5], [1, 1], [6, 3]]), (.postNorm, [[4, 0], [3, 3], [0, 6]]),
  ]

  @Test(arguments: 0..<cases.count)
  func matchesTheWholeEncodersRows(index: Int) throws {
    let (normalization, positions) = Self.cases[index]
    let whole = try run(normalization, positions: positions, alone: false)
    let first = try run(normalization, positions: positions, alone: true)
    #expect(first.output.map(\.bitPattern) == whole.output.map(\.bitPattern))
    #expect(first.gradients.count == whole.gradients.count)
    // A key bias's gradient is zero but for rounding (softmax ignores a constant shift), so
    // each gradient is compared at its own scale plus a sliver of the largest one's.
    let largest = whole.gradients.flatMap { $0 }.map { abs($0) }.max() ?? 0
    #expect(largest > 0)
    for (index, (a, b)) in zip(first.gradients, whole.gradients).enumerated() {
      #expect(a.count == b.count && !b.isEmpty)
      let scale = b.map { abs($0) }.max() ?? 0
      let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
      #expect(
        difference <= 1e-5 * scale + 1e-7 * largest,
        "gradient \(index): \(difference) against \(scale)")
    }
  }

  @Test func aCausalEncoderRefusesIt() throws {
    let model = try encoder(.preNorm, seed: 1)
    var random = RandomGenerator(seed: 2)
    let x = Tensor.randomNormal([1, 4, Self.dimension], using: &random)
    let cross = Tensor.randomNormal([1, 2, 24], using: &random)
    #expect(throws: TensorError.self) {
      try model(
        x, causal: true, crossInput: cross,
        outputPositions: IndexTensor(shape: [1, 1], values: [0]),
        context: ForwardContext(training: false, seed: 0))
    }
    #expect(throws: TensorError.self) {
      try model(
        x, crossInput: cross, outputPositions: IndexTensor(shape: [1, 1], values: [4]),
        context: ForwardContext(training: false, seed: 0))
    }
  }
}
