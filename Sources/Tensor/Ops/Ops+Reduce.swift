/// Reductions over axes. Each reduces one axis through the (outer, size, inner) view of the
/// shape; several axes are reduced one after another from the last, so indices stay valid.
extension Tensor {
  /// Sum of all elements, as a rank-0 tensor.
  public func sum() -> Tensor {
    let output = TensorStorage(count: 1, zeroed: false)
    let x = storage.pointer
    var total: Float = 0
    for i in 0..<count { total += x[i] }
    output.pointer[0] = total
    let node = gradientNode
    return Tensor.result("sum", shape: Shape([]), storage: output, inputs: [self]) { g in
      let (gx, g0) = (node.accumulator(), g[0])
      Parallel.forChunks(count: node.count, minimumPerThread: Parallel.elementwiseMinimum) { range in
        for i in range { gx[i] += g0 }
      }
    }
  }

  public func mean() -> Tensor { sum() * (1 / Float(Swift.max(1, count))) }

  public func sum(axes: [Int], keepDimensions: Bool = false) throws -> Tensor {
    try reduce(axes: axes, keepDimensions: keepDimensions, op: "sum") { try $0.sumAxis($1) }
  }

  public func sum(axis: Int, keepDimensions: Bool = false) throws -> Tensor {
    try sum(axes: [axis], keepDimensions: keepDimensions)
  }

  public func mean(axes: [Int], keepDimensions: Bool = false) throws -> Tensor {
    let resolved = try axes.map { try shape.normalizedAxis($0, op: "mean") }
    let reducedCount = Set(resolved).map { shape[$0] }.reduce(1, *)
    return try sum(axes: axes, keepDimensions: keepDimensions) * (1 / Float(Swift.max(1, reducedCount)))
  }

  public func mean(axis: Int, keepDimensions: Bool = false) throws -> Tensor {
    try mean(axes: [axis], keepDimensions: keepDimensions)
  }

  /// Maximum along `axis`; the gradient goes to the first position holding the maximum.
  public func max(axis: Int, keepDimensions: Bool = false) throws -> Tensor {
    try reduce(axes: [axis], keepDimensions: keepDimensions, op: "max") { try $0.maxAxis($1) }
  }

  /// Index of the first maximum along `axis` (not differentiable).
  public func argmax(axis: Int) throws -> IndexTensor {
    let resolved = try shape.normalizedAxis(axis, op: "argmax")
    let (outer, size, inner) = shape.split(at: resolved)
    guard size > 0 else {
      throw TensorError.invalidArgument(op: "argmax", detail: "axis \(axis) of \(shape) is empty")
    }
    var result = [Int](repeating: 0, count: outer * inner)
    let x = storage.pointer
    for o in 0..<outer {
      for i in 0..<inner {
        var best = 0
        for s in 1..<size where x[(o * size + s) * inner + i] > x[(o * size + best) * inner + i] {
          best = s
        }
        result[o * inner + i] = best
      }
    }
    var dimensions = shape.dimensions
    dimensions.remove(at: resolved)
    return try IndexTensor(shape: Shape(dimensions), values: result)
  }

  private func reduce(
    axes: [Int], keepDimensions: Bool, op: String, _ one: (Tensor, Int) throws -> Tensor
  ) throws -> Tensor {
    let resolved = Set(try axes.map { try shape.normalizedAxis($0, op: op) }).sorted(by: >)
    var current = self
    for axis in resolved { current = try one(current, axis) }
    if keepDimensions { return current }
    var dimensions = shape.dimensions
    for axis in resolved { dimensions.remove(at: axis) }
    return try current.reshaped(Shape(dimensions))
  }

  /// Sum along one axis, keeping it with size 1.
  private func sumAxis(_ axis: Int) throws -> Tensor {
    let (outer, size, inner) = shape.split(at: axis)
    var dimensions = shape.dimensions
    dimensions[axis] = 1
    let output = TensorStorage(count: outer * inner, zeroed: true)
    let (x, y) = (storage.pointer, output.pointer)
    // Threads split the outputs (outer x column blocks of `inner`); each output still sums
    // its `size` terms in increasing s, as on one thread.
    let blocks = AxisBlocks(outer: outer, inner: inner)
    Parallel.forChunks(count: blocks.count, minimumPerThread: blocks.minimumPerThread(size)) { range in
      for block in range {
        let (o, columns) = blocks[block]
        let target = y + o * inner
        for s in 0..<size {
          let row = x + (o * size + s) * inner
          for i in columns { target[i] += row[i] }
        }
      }
    }
    let node = gradientNode
    return Tensor.result("sum", shape: Shape(dimensions), storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      Parallel.forChunks(count: blocks.count, minimumPerThread: blocks.minimumPerThread(size)) { range in
        for block in range {
          let (o, columns) = blocks[block]
          for s in 0..<size {
            let row = gx + (o * size + s) * inner
            for i in columns { row[i] += g[o * inner + i] }
          }
        }
      }
    }
  }

  private func maxAxis(_ axis: Int) throws -> Tensor {
    let (outer, size, inner) = shape.split(at: axis)
    guard size > 0 else {
      throw TensorError.invalidArgument(op: "max", detail: "axis \(axis) of \(shape) is empty")
    }
    var dimensions = shape.dimensions
    dimensions[axis] = 1
    let output = TensorStorage(count: outer * inner, zeroed: false)
    var winners = [Int](repeating: 0, count: outer * inner)
    let (x, y) = (storage.pointer, output.pointer)
    for o in 0..<outer {
      for i in 0..<inner {
        var best = (o * size) * inner + i
        for s in 1..<size where x[(o * size + s) * inner + i] > x[best] {
          best = (o * size + s) * inner + i
        }
        winners[o * inner + i] = best
        y[o * inner + i] = x[best]
      }
    }
    let node = gradientNode
    return Tensor.result("max", shape: Shape(dimensions), storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      for (j, source) in winners.enumerated() { gx[source] += g[j] }
    }
  }
}

/// The outputs of a reduction over the middle axis of an (outer, size, inner) view, cut into
/// blocks of at most `width` consecutive columns of one outer slice: the unit of work a thread
/// takes, so that every output is summed by exactly one thread.
struct AxisBlocks {
  static let width = 256
  let inner: Int
  let perOuter: Int
  let count: Int

  init(outer: Int, inner: Int) {
    self.inner = inner
    perOuter = (inner + Self.width - 1) / Self.width
    count = outer * perOuter
  }

  subscript(block: Int) -> (outer: Int, columns: Range<Int>) {
    let (o, b) = block.quotientAndRemainder(dividingBy: Swift.max(1, perOuter))
    return (o, b * Self.width..<Swift.min(inner, (b + 1) * Self.width))
  }

  /// Blocks per thread for about `Parallel.elementwiseMinimum` elements read per thread.
  func minimumPerThread(_ size: Int) -> Int {
    Swift.max(1, Parallel.elementwiseMinimum / Swift.max(1, size * Swift.min(inner, Self.width)))
  }
}
