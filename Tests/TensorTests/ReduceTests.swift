import Testing

@testable import Tensor

@Suite struct ReduceTests {
  @Test func sumAndMeanValues() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    #expect(try x.sum().item() == 21)
    #expect(try x.mean().item() == 3.5)
    #expect(try x.sum(axis: 0).scalars == [5, 7, 9])
    #expect(try x.sum(axis: -1, keepDimensions: true).shape == [2, 1])
    #expect(try x.mean(axis: 1).scalars == [2, 5])
    #expect(try x.sum(axes: [0, 1]).item() == 21)
    #expect(try x.max(axis: 1).scalars == [3, 6])
    #expect(try x.argmax(axis: 0).values == [1, 1, 1])
  }

  @Test(arguments: [[7], [3, 4], [2, 3, 5], [2, 1, 3, 4]])
  func gradients(shape: [Int]) throws {
    let x = randomTensor(shape, seed: 21)
    try checkGradients([x]) { $0[0].sum() }
    try checkGradients([x]) { $0[0].mean() }
    for axis in 0..<shape.count {
      try checkGradients([x]) { try $0[0].sum(axis: axis) }
      try checkGradients([x]) { try $0[0].mean(axis: axis, keepDimensions: true) }
      try checkGradients([spreadOut(shape)]) { try $0[0].max(axis: axis) }
    }
    if shape.count >= 2 {
      try checkGradients([x]) { try $0[0].mean(axes: [0, -1]) }
    }
  }

  /// Distinct values at least 0.1 apart: a finite-difference step cannot change which is largest.
  private func spreadOut(_ shape: [Int]) -> Tensor {
    var rng = RandomGenerator(seed: 5)
    var values = (0..<Shape(shape).count).map { Float($0) * 0.1 }
    rng.shuffle(&values)
    return try! Tensor(shape: Shape(shape), values: values)
  }

  @Test func maxGradientGoesToFirstMaximum() throws {
    let x = try Tensor(shape: [4], values: [1, 5, 5, 2]).requiringGrad()
    try x.max(axis: 0).backward()
    #expect(x.grad?.scalars == [0, 1, 0, 0])
  }

  @Test func badAxisThrows() throws {
    let x = Tensor.zeros([2, 3])
    #expect(throws: TensorError.invalidAxis(op: "sum", axis: 2, shape: [2, 3])) { try x.sum(axis: 2) }
    #expect(throws: TensorError.self) { try x.max(axis: -3) }
  }
}
