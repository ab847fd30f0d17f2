import Foundation

/// Elementwise binary arithmetic with NumPy broadcasting. Gradients of a broadcast input are
/// summed over the broadcast axes ("unbroadcast"), in the same row walk as the forward pass.
extension Tensor {
  public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binary(Addition.self, a, b) }
  public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binary(Subtraction.self, a, b) }
  public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binary(Multiplication.self, a, b) }
  public static func / (a: Tensor, b: Tensor) throws -> Tensor { try binary(Division.self, a, b) }

  /// Shared body of the four binary ops, specialised per operation (a generic over a static
  /// protocol, not closures: the loops inline the arithmetic and vectorise).
  static func binary<Operation: BinaryElementwise>(
    _ operation: Operation.Type, _ a: Tensor, _ b: Tensor
  ) throws -> Tensor {
    let plan = try BroadcastPlan(a.shape, b.shape, op: Operation.name)
    let output = TensorStorage(count: plan.outputShape.count, zeroed: false)
    let (x, y, z) = (a.storage.pointer, b.storage.pointer, output.pointer)
    let sameShape = a.shape == b.shape
    if sameShape {
      Parallel.forChunks(count: output.count, minimumPerThread: 1 << 16) { range in
        for i in range { z[i] = Operation.apply(x[i], y[i]) }
      }
    } else {
      plan.forEachRow { o, oa, ob, length, sa, sb in
        if sa == 1, sb == 1 {
          for i in 0..<length { z[o + i] = Operation.apply(x[oa + i], y[ob + i]) }
        } else if sa == 1 {
          let yb = y[ob]
          for i in 0..<length { z[o + i] = Operation.apply(x[oa + i], yb) }
        } else {
          for i in 0..<length { z[o + i] = Operation.apply(x[oa + i * sa], y[ob + i * sb]) }
        }
      }
    }
    return result(Operation.name, shape: plan.outputShape, storage: output, inputs: [a, b]) { g in
      let ga = a.requiresGrad ? a.gradientAccumulator() : nil
      let gb = b.requiresGrad ? b.gradientAccumulator() : nil
      if sameShape {
        if let ga { for i in 0..<a.count { ga[i] += Operation.gradientA(g[i], x[i], y[i]) } }
        if let gb { for i in 0..<b.count { gb[i] += Operation.gradientB(g[i], x[i], y[i]) } }
        return
      }
      plan.forEachRow { o, oa, ob, length, sa, sb in
        if let ga {
          for i in 0..<length { ga[oa + i * sa] += Operation.gradientA(g[o + i], x[oa + i * sa], y[ob + i * sb]) }
        }
        if let gb {
          for i in 0..<length { gb[ob + i * sb] += Operation.gradientB(g[o + i], x[oa + i * sa], y[ob + i * sb]) }
        }
      }
    }
  }
}

/// One elementwise binary operation: its value and the contribution of one output element's
/// gradient g to each input's gradient.
protocol BinaryElementwise {
  static var name: String { get }
  static func apply(_ a: Float, _ b: Float) -> Float
  static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float
  static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float
}

enum Addition: BinaryElementwise {
  static let name = "add"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { g }
}

enum Subtraction: BinaryElementwise {
  static let name = "sub"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { -g }
}

enum Multiplication: BinaryElementwise {
  static let name = "mul"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g * b }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { g * a }
}

enum Division: BinaryElementwise {
  static let name = "div"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g / b }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { -g * a / (b * b) }
}

/// Scalar arithmetic: a tensor with a Float on either side (no broadcasting checks needed).
extension Tensor {
  public static func + (a: Tensor, s: Float) -> Tensor { a.map("addScalar", { $0 + s }, { g, _, _ in g }) }
  public static func + (s: Float, a: Tensor) -> Tensor { a + s }
  public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
  public static func - (s: Float, a: Tensor) -> Tensor { a.map("rsubScalar", { s - $0 }, { g, _, _ in -g }) }
  public static func * (a: Tensor, s: Float) -> Tensor { a.map("mulScalar", { $0 * s }, { g, _, _ in g * s }) }
  public static func * (s: Float, a: Tensor) -> Tensor { a * s }
  public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
  public static func / (s: Float, a: Tensor) -> Tensor {
    a.map("rdivScalar", { s / $0 }, { g, x, _ in -g * s / (x * x) })
  }
  public static prefix func - (a: Tensor) -> Tensor { a.map("neg", { -$0 }, { g, _, _ in -g }) }

  /// Elementwise x^p for a constant exponent.
  public func pow(_ p: Float) -> Tensor {
    map("pow", { Foundation.pow($0, p) }, { g, x, _ in g * p * Foundation.pow(x, p - 1) })
  }

  public func square() -> Tensor { map("square", { $0 * $0 }, { g, x, _ in 2 * g * x }) }
}
