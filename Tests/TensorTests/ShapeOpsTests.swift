import Testing

@testable import Tensor

/// The values of `x` permuted by `order`, by index arithmetic on every element.
private func referencePermute(_ x: Tensor, _ order: [Int]) -> [Float] {
  let outputDimensions = order.map { x.dimensions[$0] }
  let (values, strides) = (x.scalars, x.shape.strides)
  return (0..<x.count).map { flat in
    var (remainder, source) = (flat, 0)
    for axis in outputDimensions.indices.reversed() {
      source += (remainder % outputDimensions[axis]) * strides[order[axis]]
      remainder /= outputDimensions[axis]
    }
    return values[source]
  }
}

@Suite struct ShapeOpsTests {
  private func expectError(
    _ message: String, _ sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Tensor
  ) {
    let error = #expect(throws: TensorError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.description == message, sourceLocation: sourceLocation)
  }

  // MARK: reshape, flatten, squeeze, unsqueeze

  @Test func reshapeInfersOneDimensionAndSharesStorage() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    let y = try x.reshaped([3, -1])
    #expect(y.shape == [3, 2])
    #expect(y.scalars == [1, 2, 3, 4, 5, 6])
    #expect(y.storage === x.storage)
    #expect(try x.reshaped(Shape([6, 1])).shape == [6, 1])
    #expect(try x.reshaped([-1]).shape == [6])
    #expect(x.flattened().shape == [6])
    #expect(try Tensor(scalar: 4).reshaped([1, 1]).shape == [1, 1])
    // An in-place optimizer update of a parameter shows through its views.
    let parameter = Tensor.zeros([2, 2]).requiringGrad()
    let view = try parameter.reshaped([4])
    parameter.storage.pointer[3] = 7
    #expect(view.scalars == [0, 0, 0, 7])
  }

  @Test func reshapeErrors() {
    let x = Tensor.zeros([2, 3])
    expectError("reshape: cannot view (2, 3) as (4, 2): 6 vs 8 elements") {
      try x.reshaped([4, 2])
    }
    expectError("reshape: cannot view (2, 3) as (4, -1): 6 elements do not split into groups of 4")
    {
      try x.reshaped([4, -1])
    }
    expectError(
      "reshape: cannot view (2, 3) as (-1, -1): sizes must be >= 0, with at most one -1 to infer"
    ) {
      try x.reshaped([-1, -1])
    }
    expectError(
      "reshape: cannot view (2, 3) as (-2, -3): sizes must be >= 0, with at most one -1 to infer"
    ) {
      try x.reshaped([-2, -3])
    }
  }

  @Test func squeezeAndUnsqueeze() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    #expect(try x.unsqueezed(axis: 0).shape == [1, 2, 3])
    #expect(try x.unsqueezed(axis: 1).shape == [2, 1, 3])
    #expect(try x.unsqueezed(axis: 2).shape == [2, 3, 1])
    #expect(try x.unsqueezed(axis: -1).shape == [2, 3, 1])
    #expect(try x.unsqueezed(axis: -3).shape == [1, 2, 3])
    let y = try x.unsqueezed(axis: 1)
    #expect(try y.squeezed(axis: 1).shape == [2, 3])
    #expect(try y.squeezed(axis: -2).scalars == x.scalars)
    #expect(try Tensor.zeros([1]).squeezed(axis: 0).shape == [])
    expectError("unsqueeze: axis 3 is out of range -3...2 for a tensor of shape (2, 3)") {
      try x.unsqueezed(axis: 3)
    }
    expectError("squeeze: axis 1 of (2, 3) has size 3, not 1") { try x.squeezed(axis: 1) }
    expectError("squeeze: axis 5 is out of range for a tensor of shape (2, 3) (rank 2)") {
      try x.squeezed(axis: 5)
    }
  }

  @Test(arguments: [[7], [1, 33], [2, 3, 4], [2, 1, 3, 5]])
  func viewGradients(shape: [Int]) throws {
    let x = randomTensor(shape, seed: 11)
    try checkGradients([x]) { try $0[0].reshaped([-1, 1]) }
    try checkGradients([x]) { $0[0].flattened() }
    try checkGradients([x]) { try $0[0].unsqueezed(axis: 0).squeezed(axis: 0).unsqueezed(axis: -1) }
    // A view used twice: both gradients accumulate into the same input.
    try checkGradients([x]) { try $0[0].reshaped([-1]) * $0[0].flattened() }
  }

  // MARK: transpose and permute

  @Test func transposeHandChecked() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    let y = try x.transposed()
    #expect(y.shape == [3, 2])
    #expect(y.scalars == [1, 4, 2, 5, 3, 6])
    let cube = try Tensor(shape: [2, 2, 2], values: [0, 1, 2, 3, 4, 5, 6, 7])
    #expect(try cube.transposed(0, 2).scalars == [0, 4, 2, 6, 1, 5, 3, 7])
    #expect(try cube.permuted([1, 2, 0]).scalars == [0, 4, 1, 5, 2, 6, 3, 7])
    // Moving only size-1 axes keeps memory order: a view.
    let column = Tensor.zeros([5, 1])
    #expect(try column.transposed().storage === column.storage)
  }

  @Test(arguments: [
    ([1, 1], [1, 0]), ([7, 33], [1, 0]), ([70, 45], [1, 0]), ([3, 33, 7], [0, 2, 1]),
    ([2, 3, 40, 37], [0, 1, 3, 2]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4, 5], [3, 1, 0, 2]),
    ([2, 3, 4, 5], [0, 2, 1, 3]), ([5, 1, 7], [2, 1, 0]),
  ])
  func permuteMatchesReference(shape: [Int], order: [Int]) throws {
    let x = randomTensor(shape, seed: 12)
    let y = try x.permuted(order)
    #expect(y.dimensions == order.map { shape[$0] })
    #expect(y.scalars == referencePermute(x, order))
  }

  @Test func multithreadedPermuteMatchesSingleThreaded() throws {
    let x = randomTensor([4, 64, 96], seed: 13)
    let single = try ComputeSettings.withThreadCount(1) { try x.transposed().scalars }
    let many = try ComputeSettings.withThreadCount(4) { try x.transposed().scalars }
    #expect(single == many)
    #expect(single == referencePermute(x, [0, 2, 1]))
    let general = try ComputeSettings.withThreadCount(4) { try x.permuted([2, 0, 1]).scalars }
    #expect(general == referencePermute(x, [2, 0, 1]))
  }

  @Test(arguments: [
    ([7, 1], [1, 0]), ([3, 5], [1, 0]), ([2, 7, 33], [0, 2, 1]), ([2, 3, 4], [2, 0, 1]),
    ([2, 3, 4, 5], [0, 1, 3, 2]), ([2, 3, 1, 4], [3, 1, 0, 2]),
  ])
  func permuteGradients(shape: [Int], order: [Int]) throws {
    let x = randomTensor(shape, seed: 14)
    try checkGradients([x]) { try $0[0].permuted(order) }
    try checkGradients([x]) { try $0[0].transposed(0, -1) }
    // Used twice: the second pullback must add to the first, not overwrite it.
    try checkGradients([x]) { try $0[0].permuted(order) + $0[0].permuted(order).square() }
    try checkGradients([x]) { try $0[0].transposed() + $0[0].transposed().square() }
  }

  @Test func permuteErrors() {
    let x = Tensor.zeros([2, 3])
    expectError("permute: order [0, 0] is not a permutation of the 2 axes of (2, 3)") {
      try x.permuted([0, 0])
    }
    expectError("permute: order [1, 0, 2] is not a permutation of the 2 axes of (2, 3)") {
      try x.permuted([1, 0, 2])
    }
    expectError("permute: order [0, 2] is not a permutation of the 2 axes of (2, 3)") {
      try x.permuted([0, 2])
    }
    expectError("transpose: axis -2 is out of range for a tensor of shape (3) (rank 1)") {
      try Tensor.zeros([3]).transposed()
    }
    expectError("transpose: axis 2 is out of range for a tensor of shape (2, 3) (rank 2)") {
      try x.transposed(0, 2)
    }
  }

  // MARK: broadcast

  @Test func broadcastHandChecked() throws {
    let row = try Tensor(shape: [3], values: [1, 2, 3])
    #expect(try row.broadcast(to: [2, 3]).scalars == [1, 2, 3, 1, 2, 3])
    let column = try Tensor(shape: [2, 1], values: [1, 2])
    #expect(try column.broadcast(to: [2, 3]).scalars == [1, 1, 1, 2, 2, 2])
    #expect(try Tensor(scalar: 5).broadcast(to: [2, 2]).scalars == [5, 5, 5, 5])
    #expect(try row.broadcast(to: [1, 3]).storage === row.storage)
  }

  @Test(arguments: [
    ([3], [2, 3]), ([2, 1, 3], [4, 2, 5, 3]), ([1], [7]), ([], [2, 2]), ([33, 1], [33, 2]),
    ([3, 1], [1, 3, 1]),
  ])
  func broadcastGradients(shape: [Int], target: [Int]) throws {
    let x = randomTensor(shape, seed: 15)
    try checkGradients([x]) { try $0[0].broadcast(to: Shape(target)) }
    try checkGradients([x]) { try $0[0].broadcast(to: Shape(target)).square() + $0[0] }
  }

  @Test func broadcastErrors() {
    let x = Tensor.zeros([2, 3])
    expectError("broadcast: cannot expand (2, 3) to (4, 3): axis 0 has size 2, needs 1 or 4") {
      try x.broadcast(to: [4, 3])
    }
    expectError("broadcast: cannot expand (2, 3) to (3): the target has fewer axes") {
      try x.broadcast(to: [3])
    }
    expectError("broadcast: cannot expand (2, 3) to (5, 2, 1): axis 2 has size 3, needs 1") {
      try x.broadcast(to: [5, 2, 1])
    }
  }

  // MARK: concatenate and slice

  @Test func concatenateHandChecked() throws {
    let a = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
    let b = try Tensor(shape: [2, 1], values: [5, 6])
    let c = try Tensor(shape: [1, 2], values: [7, 8])
    #expect(try Tensor.concatenate([a, b], axis: 1).scalars == [1, 2, 5, 3, 4, 6])
    #expect(try Tensor.concatenate([a, b], axis: -1).shape == [2, 3])
    #expect(try Tensor.concatenate([a, c], axis: 0).scalars == [1, 2, 3, 4, 7, 8])
    #expect(try Tensor.concatenate([a], axis: 0).scalars == a.scalars)
  }

  @Test(arguments: [0, 1, 2, -1])
  func concatenateGradients(axis: Int) throws {
    var shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    for (k, size) in [1, 7, 3].enumerated() { shapes[k][(axis + 3) % 3] = size }
    let inputs = shapes.enumerated().map { randomTensor($1, seed: 20 + UInt64($0)) }
    try checkGradients(inputs) { try Tensor.concatenate($0, axis: axis) }
  }

  @Test func concatenateRankFourAndRepeatedInput() throws {
    let a = randomTensor([2, 1, 3, 2], seed: 24)
    let b = randomTensor([2, 4, 3, 2], seed: 25)
    try checkGradients([a, b]) { try Tensor.concatenate([$0[0], $0[1], $0[0]], axis: 1) }
  }

  @Test func concatenateErrors() {
    let a = Tensor.zeros([2, 3])
    expectError("concatenate: needs at least one tensor") { try Tensor.concatenate([], axis: 0) }
    expectError("concatenate: tensor 1 of shape (3, 3) does not match (2, 3) outside axis 1") {
      try Tensor.concatenate([a, Tensor.zeros([3, 3])], axis: 1)
    }
    expectError("concatenate: tensor 1 of shape (2, 3, 1) does not match (2, 3) outside axis 0") {
      try Tensor.concatenate([a, Tensor.zeros([2, 3, 1])], axis: 0)
    }
    expectError("concatenate: axis 2 is out of range for a tensor of shape (2, 3) (rank 2)") {
      try Tensor.concatenate([a, a], axis: 2)
    }
  }

  @Test func sliceHandChecked() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    #expect(try x.sliced(axis: 1, range: 1..<3).scalars == [2, 3, 5, 6])
    #expect(try x.sliced(axis: 0, range: 1..<2).scalars == [4, 5, 6])
    #expect(try x.sliced(axis: -1, range: 0..<1).shape == [2, 1])
    #expect(try x.sliced(axis: 1, range: 2..<2).shape == [2, 0])
  }

  @Test(arguments: [
    ([33], 0, 0..<33), ([33], 0, 5..<6), ([1, 7], 0, 0..<1), ([2, 7, 3], 1, 2..<5),
    ([2, 3, 4, 5], -1, 1..<4), ([2, 3, 4, 5], 2, 3..<4),
  ])
  func sliceGradients(shape: [Int], axis: Int, range: Range<Int>) throws {
    let x = randomTensor(shape, seed: 26)
    try checkGradients([x]) { try $0[0].sliced(axis: axis, range: range) }
  }

  @Test func overlappingSlicesAccumulate() throws {
    let x = randomTensor([4, 5], seed: 27)
    try checkGradients([x]) { inputs in
      let left = try inputs[0].sliced(axis: 1, range: 0..<3)
      let right = try inputs[0].sliced(axis: 1, range: 2..<5)
      return try Tensor.concatenate([left, right], axis: 0)
    }
  }

  @Test func sliceErrors() {
    let x = Tensor.zeros([2, 3])
    expectError("slice: range 2..<4 is out of bounds for axis 1 of size 3 in (2, 3)") {
      try x.sliced(axis: 1, range: 2..<4)
    }
    expectError("slice: range -1..<1 is out of bounds for axis 0 of size 2 in (2, 3)") {
      try x.sliced(axis: 0, range: -1..<1)
    }
    expectError("slice: axis -3 is out of range for a tensor of shape (2, 3) (rank 2)") {
      try x.sliced(axis: -3, range: 0..<1)
    }
  }
}
