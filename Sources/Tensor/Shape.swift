/// The extent of a tensor along each axis, row-major (the last axis is contiguous).
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
  public let dimensions: [Int]

  public init(_ dimensions: [Int]) {
    precondition(dimensions.allSatisfy { $0 >= 0 }, "negative dimension in \(dimensions)")
    self.dimensions = dimensions
  }

  public init(arrayLiteral elements: Int...) { self.init(elements) }

  public var rank: Int { dimensions.count }
  /// Number of elements (1 for a scalar of rank 0).
  public var count: Int { dimensions.reduce(1, *) }
  public subscript(axis: Int) -> Int { dimensions[axis] }
  public var last: Int { dimensions.last ?? 1 }

  /// Row-major strides in elements.
  public var strides: [Int] {
    var result = [Int](repeating: 1, count: rank)
    var step = 1
    for axis in (0..<rank).reversed() {
      result[axis] = step
      step *= dimensions[axis]
    }
    return result
  }

  /// `(32, 128)`, the form every shape error uses.
  public var description: String { "(" + dimensions.map(String.init).joined(separator: ", ") + ")" }

  /// Maps a possibly negative axis (-1 = last) into 0..<rank, or throws naming the op.
  public func normalizedAxis(_ axis: Int, op: String) throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else {
      throw TensorError.invalidAxis(op: op, axis: axis, shape: self)
    }
    return resolved
  }

  /// Sizes before, at and after `axis`: the (outer, axis, inner) view every axis kernel uses.
  func split(at axis: Int) -> (outer: Int, size: Int, inner: Int) {
    let outer = dimensions[..<axis].reduce(1, *)
    let inner = dimensions[(axis + 1)...].reduce(1, *)
    return (outer, dimensions[axis], inner)
  }
}
