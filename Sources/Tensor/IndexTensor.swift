/// Integer indices with a shape: token ids, class targets, gather positions. Kept apart from
/// `Tensor` (Float32 values) so an index can never be differentiated or rounded by accident.
public struct IndexTensor: Sendable, Equatable, CustomStringConvertible {
  public let shape: Shape
  public let values: [Int]

  public init(shape: Shape, values: [Int]) throws {
    guard values.count == shape.count else {
      throw TensorError.elementCountMismatch(expected: shape.count, got: values.count, shape: shape)
    }
    self.shape = shape
    self.values = values
  }

  /// A rank-1 index tensor.
  public init(_ values: [Int]) {
    shape = Shape([values.count])
    self.values = values
  }

  public var count: Int { values.count }
  public var description: String { "IndexTensor\(shape) \(values.prefix(8))" }
}
