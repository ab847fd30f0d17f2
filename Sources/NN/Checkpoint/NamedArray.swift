import Tensor

/// One tensor as a checkpoint stores it: a name, a row-major shape and float32 values, detached
/// from any model so that it can be written from, or handed to, another thread.
public struct NamedArray: Sendable, CustomStringConvertible {
  public var name: String
  public var shape: [Int]
  public var values: [Float]

  public init(name: String, shape: [Int], values: [Float]) {
    self.name = name
    self.shape = shape
    self.values = values
  }

  /// A copy of `tensor`'s current values: later optimizer steps do not change it.
  public init(name: String, tensor: Tensor) {
    self.init(name: name, shape: tensor.dimensions, values: tensor.scalars)
  }

  /// `(32, 128)`, the form shape messages use everywhere (see `Shape.description`).
  public var shapeDescription: String {
    "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }

  public var description: String { "\(name) \(shapeDescription)" }
}

extension NamedArray: Equatable {
  /// Bit-exact: a checkpoint must give back exactly what was saved, so -0.0 differs from 0.0
  /// and a NaN equals the same NaN (floating-point `==` would say neither).
  public static func == (lhs: NamedArray, rhs: NamedArray) -> Bool {
    lhs.name == rhs.name && lhs.shape == rhs.shape && lhs.values.count == rhs.values.count
      && zip(lhs.values, rhs.values).allSatisfy { $0.bitPattern == $1.bitPattern }
  }
}
