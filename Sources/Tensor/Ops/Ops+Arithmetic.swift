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
      Parallel.forChunks(count: output.count, minimumPerThread: Parallel.elementwiseMinimum) { range in
        for i in range { z[i] = Operation.apply(x[i], y[i]) }
      }
    } else {
      let rows = plan.rowCount
      let perRow = Swift.max(1, plan.outputShape.count / Swift.max(1, rows))
      Parallel.forChunks(
        count: rows, minimumPerThread: Swift.max(1, Parallel.elementwiseMinimum / perRow)
      ) { range in
        plan.forEachRow(in: range) { o, oa, ob, length, sa, sb in
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
    }
    // The graph keeps an operand's values only where a gradient formula reads them: a sum or
    // difference keeps neither, a product keeps each factor for the other's gradient.
    let (nodeA, nodeB) = (a.gradientNode, b.gradientNode)
    let (needsA, needsB) = (a.requiresGrad, b.requiresGrad)
    let keptA = Operation.readsA(gradientA: needsA, gradientB: needsB) ? a.storage : nil
    let keptB = Operation.readsB(gradientA: needsA, gradientB: needsB) ? b.storage : nil
    let count = a.count
    return result(Operation.name, shape: plan.outputShape, storage: output, inputs: [a, b]) { g in
      let ga = needsA ? nodeA.accumulator() : nil
      let gb = needsB ? nodeB.accumulator() : nil
      // An operand that was not kept is never read by the formulas in use; `g` stands in for
      // its pointer (the output has at least as many elements as either input, so every offset
      // stays inside it).
      let x = keptA.map { UnsafePointer($0.pointer) } ?? g
      let y = keptB.map { UnsafePointer($0.pointer) } ?? g
      if sameShape {
        Parallel.forChunks(count: count, minimumPerThread: Parallel.elementwiseMinimum) { range in
          if let ga { for i in range { ga[i] += Operation.gradientA(g[i], x[i], y[i]) } }
          if let gb { for i in range { gb[i] += Operation.gradientB(g[i], x[i], y[i]) } }
        }
        return
      }
      // Each input separately, split so that every gradient element gets its terms from one
      // thread in row order (BroadcastPlan.gradientSplit): the same sums as one thread.
      if let ga {
        plan.accumulateGradient(split: plan.gradientSplit(plan.stridesA)) { o, oa, ob, columns, sa, sb in
          for i in columns { ga[oa + i * sa] += Operation.gradientA(g[o + i], x[oa + i * sa], y[ob + i * sb]) }
        }
      }
      if let gb {
        plan.accumulateGradient(split: plan.gradientSplit(plan.stridesB)) { o, oa, ob, columns, sa, sb in
          for i in columns { gb[ob + i * sb] += Operation.gradientB(g[o + i], x[oa + i * sa], y[ob + i * sb]) }
        }
      }
    }
  }
}

extension BroadcastPlan {
  /// Runs `body(outputOffset, offsetA, offsetB, columns, innerStrideA, innerStrideB)` over
  /// every output row, split across threads as `split` allows.
  func accumulateGradient(
    split: GradientSplit, _ body: (Int, Int, Int, Range<Int>, Int, Int) -> Void
  ) {
    let rows = rowCount
    let length = Swift.max(1, outputShape.count / Swift.max(1, rows))
    switch split {
    case .rows:
      Parallel.forChunks(
        count: rows, minimumPerThread: Swift.max(1, Parallel.elementwiseMinimum / length)
      ) { range in
        forEachRow(in: range) { o, oa, ob, length, sa, sb in body(o, oa, ob, 0..<length, sa, sb) }
      }
    case .columns:
      Parallel.forChunks(
        count: length, minimumPerThread: Swift.max(1, Parallel.elementwiseMinimum / Swift.max(1, rows))
      ) { columns in
        forEachRow { o, oa, ob, _, sa, sb in body(o, oa, ob, columns, sa, sb) }
      }
    case .none:
      forEachRow { o, oa, ob, length, sa, sb in body(o, oa, ob, 0..<length, sa, sb) }
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
  /// Whether the gradient formulas in use read a's (b's) values, given which operands need a
  /// gradient: the graph keeps an operand's buffer only then.
  static func readsA(gradientA: Bool, gradientB: Bool) -> Bool
  static func readsB(gradientA: Bool, gradientB: Bool) -> Bool
}

enum Addition: BinaryElementwise {
  static func readsA(gradientA: Bool, gradientB: Bool) -> Bool { false }
  static func readsB(gradientA: Bool, gradientB: Bool) -> Bool { false }
  static let name = "add"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { g }
}

enum Subtraction: BinaryElementwise {
  static func readsA(gradientA: Bool, gradientB: Bool) -> Bool { false }
  static func readsB(gradientA: Bool, gradientB: Bool) -> Bool { false }
  static let name = "sub"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { -g }
}

enum Multiplication: BinaryElementwise {
  static func readsA(gradientA: Bool, gradientB: Bool) -> Bool { gradientB }
  static func readsB(gradientA: Bool, gradientB: Bool) -> Bool { gradientA }
  static let name = "mul"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g * b }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { g * a }
}

enum Division: BinaryElementwise {
  static func readsA(gradientA: Bool, gradientB: Bool) -> Bool { gradientB }
  static func readsB(gradientA: Bool, gradientB: Bool) -> Bool { gradientA || gradientB }
  static let name = "div"
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
  @inline(__always) static func gradientA(_ g: Float, _ a: Float, _ b: Float) -> Float { g / b }
  @inline(__always) static func gradientB(_ g: Float, _ a: Float, _ b: Float) -> Float { -g * a / (b * b) }
}

/// Scalar arithmetic: a tensor with a Float on either side (no broadcasting checks needed).
extension Tensor {
  public static func + (a: Tensor, s: Float) -> Tensor { a.map("addScalar", reading: .nothing, { $0 + s }, { g, _, _ in g }) }
  public static func + (s: Float, a: Tensor) -> Tensor { a + s }
  public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
  public static func - (s: Float, a: Tensor) -> Tensor { a.map("rsubScalar", reading: .nothing, { s - $0 }, { g, _, _ in -g }) }
  public static func * (a: Tensor, s: Float) -> Tensor { a.map("mulScalar", reading: .nothing, { $0 * s }, { g, _, _ in g * s }) }
  public static func * (s: Float, a: Tensor) -> Tensor { a * s }
  public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
  public static func / (s: Float, a: Tensor) -> Tensor {
    a.map("rdivScalar", reading: .input, { s / $0 }, { g, x, _ in -g * s / (x * x) })
  }
  public static prefix func - (a: Tensor) -> Tensor { a.map("neg", reading: .nothing, { -$0 }, { g, _, _ in -g }) }

  /// Elementwise x^p for a constant exponent.
  public func pow(_ p: Float) -> Tensor {
    map("pow", reading: .input, { Foundation.pow($0, p) }, { g, x, _ in g * p * Foundation.pow(x, p - 1) })
  }

  public func square() -> Tensor { map("square", reading: .input, { $0 * $0 }, { g, x, _ in 2 * g * x }) }
}
