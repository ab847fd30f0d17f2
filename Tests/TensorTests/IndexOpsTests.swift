import Testing

@testable import Tensor

@Suite struct IndexOpsTests {
  private func expectError(
    _ message: String, _ sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Tensor
  ) {
    let error = #expect(throws: TensorError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.description == message, sourceLocation: sourceLocation)
  }

  /// Seeded indices in 0..<bound (repeats are likely, which is what the scatter-add must handle).
  private func randomIndices(_ dimensions: [Int], below bound: Int, seed: UInt64) -> IndexTensor {
    var rng = RandomGenerator(seed: seed)
    let shape = Shape(dimensions)
    return try! IndexTensor(
      shape: shape, values: (0..<shape.count).map { _ in rng.nextInt(below: bound) })
  }

  // MARK: embedding

  @Test func embeddingLooksUpRows() throws {
    let table = try Tensor(shape: [4, 2], values: [0, 1, 10, 11, 20, 21, 30, 31])
    let ids = try IndexTensor(shape: [2, 2], values: [3, 0, 1, 3])
    let rows = try Tensor.embedding(table, indices: ids)
    #expect(rows.shape == [2, 2, 2])
    #expect(rows.scalars == [30, 31, 0, 1, 10, 11, 30, 31])
    let single = try Tensor.embedding(table, indices: IndexTensor(shape: [], values: [2]))
    #expect(single.shape == [2])
    #expect(single.scalars == [20, 21])
  }

  @Test func embeddingRepeatedIndicesAccumulate() throws {
    let table = Tensor.zeros([3, 2]).requiringGrad()
    let rows = try Tensor.embedding(table, indices: IndexTensor([1, 1, 0]))
    try rows.backward(gradient: Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]))
    #expect(table.grad?.scalars == [5, 6, 4, 6, 0, 0])
  }

  @Test(arguments: [
    ([7, 5], [2, 3]), ([33, 1], [40]), ([1, 4], [3, 1, 2]), ([6, 3], [2, 2, 2, 2]),
  ])
  func embeddingGradients(table: [Int], indices: [Int]) throws {
    let weights = randomTensor(table, seed: 31)
    let ids = randomIndices(indices, below: table[0], seed: 32)
    try checkGradients([weights]) { try Tensor.embedding($0[0], indices: ids) }
  }

  @Test func embeddingErrors() throws {
    let table = Tensor.zeros([4, 2])
    expectError("embedding: index 5 is out of range 0..<4") {
      try Tensor.embedding(table, indices: IndexTensor([0, 5]))
    }
    expectError("embedding: index -1 is out of range 0..<4") {
      try Tensor.embedding(table, indices: IndexTensor([-1]))
    }
    expectError("embedding: table must have shape (vocabulary, dimension), got (4)") {
      try Tensor.embedding(Tensor.zeros([4]), indices: IndexTensor([0]))
    }
  }

  // MARK: gather

  @Test func gatherMatchesTorchExample() throws {
    let x = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
    let alongColumns = try x.gathered(
      axis: 1, indices: IndexTensor(shape: [2, 2], values: [0, 0, 1, 0]))
    #expect(alongColumns.scalars == [1, 1, 4, 3])
    let y = try Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
    let alongRows = try y.gathered(axis: 0, indices: IndexTensor(shape: [1, 2], values: [2, 0]))
    #expect(alongRows.shape == [1, 2])
    #expect(alongRows.scalars == [5, 2])
    let picked = try y.gathered(axis: -1, indices: IndexTensor(shape: [3, 1], values: [1, 0, 1]))
    #expect(picked.scalars == [2, 3, 6])
  }

  @Test(arguments: [
    ([7], 0, [33]), ([4, 7], 1, [4, 3]), ([2, 5, 3], 1, [2, 8, 3]),
    ([2, 3, 4, 5], -1, [2, 3, 4, 1]),
    ([1, 1], 0, [1, 1]),
  ])
  func gatherGradients(shape: [Int], axis: Int, indexShape: [Int]) throws {
    let x = randomTensor(shape, seed: 33)
    let ids = randomIndices(indexShape, below: shape[(axis + shape.count) % shape.count], seed: 34)
    try checkGradients([x]) { try $0[0].gathered(axis: axis, indices: ids) }
    try checkGradients([x]) { inputs in
      let picked = try inputs[0].gathered(axis: axis, indices: ids)
      return try picked + inputs[0].gathered(axis: axis, indices: ids).square()
    }
  }

  @Test func gatherErrors() throws {
    let x = Tensor.zeros([2, 3])
    expectError("gather: indices of shape (2) must match the input (2, 3) on every axis but 1") {
      try x.gathered(axis: 1, indices: IndexTensor([0, 1]))
    }
    expectError("gather: indices of shape (3, 1) must match the input (2, 3) on every axis but 1") {
      try x.gathered(axis: 1, indices: IndexTensor(shape: [3, 1], values: [0, 0, 0]))
    }
    expectError("gather: index 3 is out of range 0..<3") {
      try x.gathered(axis: 1, indices: IndexTensor(shape: [2, 1], values: [0, 3]))
    }
    expectError("gather: axis 2 is out of range for a tensor of shape (2, 3) (rank 2)") {
      try x.gathered(axis: 2, indices: IndexTensor(shape: [2, 3], values: [0, 0, 0, 0, 0, 0]))
    }
  }

  // MARK: index select

  @Test func indexSelectPicksSlices() throws {
    let x = try Tensor(shape: [3, 4], values: (0..<12).map(Float.init))
    let rows = try x.indexSelected(axis: 0, indices: IndexTensor([2, 0, 2]))
    #expect(rows.shape == [3, 4])
    #expect(rows.scalars == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
    let columns = try x.indexSelected(axis: -1, indices: IndexTensor([3, 1]))
    #expect(columns.shape == [3, 2])
    #expect(columns.scalars == [3, 1, 7, 5, 11, 9])
    #expect(try x.indexSelected(axis: 0, indices: IndexTensor([])).shape == [0, 4])
  }

  @Test(arguments: [
    ([7], 0, 33), ([4, 7], 1, 5), ([3, 5, 2], 1, 7), ([2, 3, 4, 5], 0, 1), ([2, 3, 4, 5], 3, 9),
  ])
  func indexSelectGradients(shape: [Int], axis: Int, picks: Int) throws {
    let x = randomTensor(shape, seed: 35)
    let ids = randomIndices([picks], below: shape[axis], seed: 36)
    try checkGradients([x]) { try $0[0].indexSelected(axis: axis, indices: ids) }
    try checkGradients([x]) { inputs in
      let picked = try inputs[0].indexSelected(axis: axis, indices: ids)
      return try picked + inputs[0].indexSelected(axis: axis, indices: ids).square()
    }
  }

  @Test func indexSelectErrors() throws {
    let x = Tensor.zeros([3, 4])
    expectError("indexSelect: index 4 is out of range 0..<4") {
      try x.indexSelected(axis: 1, indices: IndexTensor([1, 4]))
    }
    expectError("indexSelect: indices must have rank 1, got shape (1, 2)") {
      try x.indexSelected(axis: 0, indices: IndexTensor(shape: [1, 2], values: [0, 1]))
    }
    expectError("indexSelect: axis -3 is out of range for a tensor of shape (3, 4) (rank 2)") {
      try x.indexSelected(axis: -3, indices: IndexTensor([0]))
    }
  }

  // MARK: masked fill

  @Test func maskedFillWithNegativeInfinity() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).requiringGrad()
    let causal = try Tensor(shape: [2, 3], values: [0, 1, 1, 0, 0, 1])
    let filled = try x.maskedFilled(causal, value: -.infinity)
    #expect(filled.scalars == [1, -.infinity, -.infinity, 4, 5, -.infinity])
    try filled.backward(gradient: Tensor.ones([2, 3]))
    #expect(x.grad?.scalars == [1, 0, 0, 1, 1, 0])
    // A (1, 3) mask broadcast over rows.
    let columns = try Tensor(shape: [1, 3], values: [1, 0, 0])
    #expect(try x.maskedFilled(columns, value: 9).scalars == [9, 2, 3, 9, 5, 6])
  }

  @Test(arguments: [
    ([7], [7]), ([3, 33], [33]), ([2, 3, 4], [2, 1, 4]), ([2, 2, 3, 3], [2, 1, 1, 3]), ([1], []),
  ])
  func maskedFillGradients(shape: [Int], maskShape: [Int]) throws {
    var rng = RandomGenerator(seed: 37)
    let maskShapeValue = Shape(maskShape)
    let mask = try Tensor(
      shape: maskShapeValue,
      values: (0..<maskShapeValue.count).map { _ in rng.nextFloat() < 0.4 ? 1 : 0 })
    let x = randomTensor(shape, seed: 38)
    try checkGradients([x]) { try $0[0].maskedFilled(mask, value: -3) }
    try checkGradients([x]) { try $0[0].maskedFilled(mask, value: -3).square() + $0[0] }
  }

  @Test func maskedFillErrors() throws {
    let x = Tensor.zeros([2, 3])
    expectError("maskedFill: mask of shape (2, 4) cannot be broadcast to (2, 3)") {
      try x.maskedFilled(Tensor.zeros([2, 4]), value: 0)
    }
    expectError("maskedFill: mask of shape (2, 2, 3) cannot be broadcast to (2, 3)") {
      try x.maskedFilled(Tensor.zeros([2, 2, 3]), value: 0)
    }
  }
}
