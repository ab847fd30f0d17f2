import Testing

@testable import Tensor

/// The graph keeps what each pullback reads and nothing else (Autograd/GradientFunction.swift):
/// an intermediate result that no gradient formula reads is freed as soon as the forward drops
/// its tensor, while backward still gives the same gradients.
@Suite struct GraphRetentionTests {
  /// Runs `op` on a fresh intermediate result (not a leaf, so only the graph could keep it) and
  /// reports whether that input's buffer is still alive while only the op's result is held;
  /// then runs backward through the result to check the graph still works.
  private func keepsInput(
    _ dimensions: [Int] = [4, 6], _ op: (Tensor) throws -> Tensor
  ) throws -> Bool {
    let count = dimensions.reduce(1, *)
    let leaf = try Tensor(
      shape: Shape(dimensions), values: (0..<count).map { Float($0 % 7) * 0.25 + 0.5 }
    ).requiringGrad()
    weak var inputStorage: TensorStorage?
    weak var inputTensor: Tensor?
    let result = try { () throws -> Tensor in
      let input = leaf * 1
      (inputStorage, inputTensor) = (input.storage, input)
      return try op(input)
    }()
    #expect(inputTensor == nil, "the graph holds a Tensor, not only nodes")
    let kept = inputStorage != nil
    try result.sum().backward()
    #expect(leaf.grad != nil)
    return kept
  }

  private let constant = Tensor.full(Shape([4, 6]), value: 0.5)
  private let weight = Tensor.full(Shape([3, 6]), value: 0.25).requiringGrad()
  private let bias = Tensor.full(Shape([3]), value: 0.1).requiringGrad()
  private let frozenWeight = Tensor.full(Shape([3, 6]), value: 0.25)

  @Test func opsWhoseGradientReadsNoInputValueKeepNone() throws {
    #expect(try !keepsInput { try $0 + self.constant })
    #expect(try !keepsInput { try $0 - $0 })
    #expect(try !keepsInput { try $0 * self.constant })  // reads only the constant
    #expect(try !keepsInput { -$0 * 2 + 1 })
    #expect(try !keepsInput { try $0.reshaped([6, 4]) * 2 })  // a view shares the buffer
    #expect(try !keepsInput { try $0.transposed() })
    #expect(try !keepsInput { try $0.sliced(axis: 1, range: 1..<4) })
    #expect(try !keepsInput { try Tensor.concatenate([$0, $0], axis: 0) })
    #expect(try !keepsInput { $0.sum() })
    #expect(try !keepsInput { try $0.sum(axis: 0) })
    #expect(try !keepsInput { try $0.broadcast(to: Shape([2, 4, 6])) })
    #expect(try !keepsInput { try $0.maskedFilled(self.constant, value: 0) })
  }

  @Test func elementwiseOpsKeepInputOrOutputAsTheirDerivativeReads() throws {
    #expect(try !keepsInput { $0.exp() })  // from the output
    #expect(try !keepsInput { $0.tanh() })
    #expect(try !keepsInput { $0.sigmoid() })
    #expect(try !keepsInput { $0.sqrt() })
    #expect(try !keepsInput { try $0.softmax() })
    #expect(try !keepsInput { try $0.l2Normalized() })
    #expect(try keepsInput { $0.log() })  // from the input
    #expect(try keepsInput { $0.square() })
    #expect(try keepsInput { $0.relu() })
    #expect(try keepsInput { $0.gelu() })
  }

  @Test func productsKeepAnOperandOnlyForTheOthersGradient() throws {
    #expect(try keepsInput { try $0 * $0 })
    #expect(try keepsInput { try $0.matmul(self.weight, transposeOther: true) })
    #expect(try !keepsInput { try $0.matmul(self.constant, transposeOther: true) })
    #expect(try keepsInput { try $0.linear(weight: self.weight, bias: self.bias) })
    // x is read only for the weight's gradient: a frozen weight keeps none of it.
    #expect(try !keepsInput { try $0.linear(weight: self.frozenWeight, bias: self.bias) })
  }

  @Test func normalizationKeepsTheInputButTheResidualFormKeepsNeitherAddend() throws {
    #expect(try keepsInput { try $0.layerNorm(gamma: nil, beta: nil) })
    #expect(try !keepsInput { try $0.layerNorm(adding: self.constant, gamma: nil, beta: nil) })
  }

  @Test func dropoutKeepsNoMaskAndNoInput() throws {
    var rng = RandomGenerator(seed: 3)
    #expect(try !keepsInput { try $0.dropout(probability: 0.5, training: true, using: &rng) })
  }

  @Test func droppedIntermediatesStillGiveTheSameGradients() throws {
    // A chain through ops that keep nothing: gradients as if every value had been kept.
    let x = try Tensor(shape: [2, 3], values: [1, -2, 3, 0.5, -1, 2]).requiringGrad()
    let loss = try ((x * 2 + 1).reshaped([3, 2]).transposed() * x).sum()
    try loss.backward()
    // d/dx sum((2x + 1)ᵀ-reshaped ⊙ x): the reshape-transpose of 2x + 1 equals x's layout only
    // in count, so check against the same expression built from plain arrays.
    let v: [Float] = [1, -2, 3, 0.5, -1, 2]
    let y = v.map { 2 * $0 + 1 }  // (3, 2) row-major, transposed to (2, 3): t[i][j] = y[j*2+i]
    var expected = [Float](repeating: 0, count: 6)
    for i in 0..<2 {
      for j in 0..<3 {
        expected[i * 3 + j] += y[j * 2 + i]  // the product's gradient with respect to x
        expected[j * 2 + i] += 2 * v[i * 3 + j]  // through 2x + 1, reshape and transpose
      }
    }
    #expect(x.grad?.scalars == expected)
  }
}
