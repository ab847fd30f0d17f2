import Testing

@testable import Tensor

@Suite struct ArithmeticTests {
  @Test func broadcastAddMatchesNumPyRule() throws {
    let a = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    let b = try Tensor(shape: [3], values: [10, 20, 30])
    let c = try a + b
    #expect(c.shape == [2, 3])
    #expect(c.scalars == [11, 22, 33, 14, 25, 36])
    let column = try Tensor(shape: [2, 1], values: [100, 200])
    #expect(try (a + column).scalars == [101, 102, 103, 204, 205, 206])
  }

  @Test func incompatibleShapesThrowReadableError() throws {
    let a = Tensor.zeros([2, 3])
    let b = Tensor.zeros([4])
    #expect(throws: TensorError.self) { try a + b }
    do {
      _ = try a * b
    } catch let error as TensorError {
      #expect(error.description == "mul: (2, 3) and (4) cannot be broadcast (axis 1: 3 vs 4)")
    }
  }

  @Test(arguments: [
    ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([5], []),
    ([2, 1, 3], [2, 4, 1]),
  ])
  func binaryGradients(shapeA: [Int], shapeB: [Int]) throws {
    let a = randomTensor(shapeA, seed: 1)
    let b = randomTensor(shapeB, seed: 2, scale: 0.3, offset: 2)  // keep away from 0 for div
    try checkGradients([a, b]) { try $0[0] + $0[1] }
    try checkGradients([a, b]) { try $0[0] - $0[1] }
    try checkGradients([a, b]) { try $0[0] * $0[1] }
    try checkGradients([a, b]) { try $0[0] / $0[1] }
  }

  @Test func sameTensorUsedTwiceAccumulates() throws {
    let a = randomTensor([4], seed: 3)
    try checkGradients([a]) { try $0[0] * $0[0] + $0[0] }
  }

  @Test func scalarOperations() throws {
    let a = randomTensor([3, 5], seed: 4, scale: 0.5, offset: 2)
    try checkGradients([a]) { ($0[0] + 2) * 3 - 1 }
    try checkGradients([a]) { 2 - $0[0] / 4 }
    try checkGradients([a]) { 1 / $0[0] }
    try checkGradients([a]) { -$0[0].pow(1.5) }
    try checkGradients([a]) { $0[0].square() }
  }
}
