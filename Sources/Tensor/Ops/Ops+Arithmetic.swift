import Foundation

/// Elementwise binary arithmetic with NumPy broadcasting. Gradients of a broadcast input are
/// summed over the broadcast axes ("unbroadcast"), in the same row walk as the forward pass.
extension Tensor {
  public static func + (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("add", a, b, forward: { $0 + $1 },
      gradientA: { g, _, _ in g }, gradientB: { g, _, _ in g })
  }

  public static func - (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("sub", a, b, forward: { $0 - $1 },
      gradientA: { g, _, _ in g }, gradientB: { g, _, _ in -g })
  }

  public static func * (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("mul", a, b, forward: { $0 * $1 },
      gradientA: { g, _, y in g * y }, gradientB: { g, x, _ in g * x })
  }

  public static func / (a: Tensor, b: Tensor) throws -> Tensor {
    try binary("div", a, b, forward: { $0 / $1 },
      gradientA: { g, _, y in g / y }, gradientB: { g, x, y in -g * x / (y * y) })
  }

  /// Shared body of the four binary ops. `gradientA(g, a, b)` and `gradientB(g, a, b)` give the
  /// contribution of one output element to the gradient of the matching input element.
  static func binary(
    _ name: String, _ a: Tensor, _ b: Tensor,
    forward: @escaping (Float, Float) -> Float,
    gradientA: @escaping (Float, Float, Float) -> Float,
    gradientB: @escaping (Float, Float, Float) -> Float
  ) throws -> Tensor {
    let plan = try BroadcastPlan(a.shape, b.shape, op: name)
    let output = TensorStorage(count: plan.outputShape.count, zeroed: false)
    let (x, y, z) = (a.storage.pointer, b.storage.pointer, output.pointer)
    if a.shape == b.shape {
      let n = output.count
      Parallel.forChunks(count: n, minimumPerThread: 1 << 16) { range in
        for i in range { z[i] = forward(x[i], y[i]) }
      }
    } else {
      plan.forEachRow { o, oa, ob, length, sa, sb in
        for i in 0..<length { z[o + i] = forward(x[oa + i * sa], y[ob + i * sb]) }
      }
    }
    let sameShape = a.shape == b.shape
    return result(name, shape: plan.outputShape, storage: output, inputs: [a, b]) { g in
      let ga = a.requiresGrad ? a.gradientAccumulator() : nil
      let gb = b.requiresGrad ? b.gradientAccumulator() : nil
      if sameShape {
        for i in 0..<a.count {
          if let ga { ga[i] += gradientA(g[i], x[i], y[i]) }
          if let gb { gb[i] += gradientB(g[i], x[i], y[i]) }
        }
        return
      }
      plan.forEachRow { o, oa, ob, length, sa, sb in
        for i in 0..<length {
          let (gi, xi, yi) = (g[o + i], x[oa + i * sa], y[ob + i * sb])
          if let ga { ga[oa + i * sa] += gradientA(gi, xi, yi) }
          if let gb { gb[ob + i * sb] += gradientB(gi, xi, yi) }
        }
      }
    }
  }
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
