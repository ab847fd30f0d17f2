/// Shape ops. Reshape, squeeze, unsqueeze and a few permutations and broadcasts that keep the
/// memory order are views: the result shares the input's storage. That is safe because a tensor's
/// values never change after creation, except parameters that the optimizer updates in place, and
/// a view of a parameter should see those updates. Everything else copies into fresh storage.
extension Tensor {
  /// The same elements under new dimensions; at most one of them may be -1 and is inferred.
  public func reshaped(_ dimensions: [Int]) throws -> Tensor {
    let resolved = try Tensor.inferredDimensions(dimensions, count: count, from: shape)
    return sharingStorage("reshape", as: Shape(resolved))
  }

  public func reshaped(_ newShape: Shape) throws -> Tensor { try reshaped(newShape.dimensions) }

  /// All elements as a rank-1 tensor (a view).
  public func flattened() -> Tensor { sharingStorage("reshape", as: Shape([count])) }

  /// Inserts an axis of size 1 before `axis`; -1 appends one at the end (a view).
  public func unsqueezed(axis: Int) throws -> Tensor {
    let resolved = axis < 0 ? axis + rank + 1 : axis
    guard resolved >= 0, resolved <= rank else {
      throw TensorError.invalidArgument(
        op: "unsqueeze",
        detail: "axis \(axis) is out of range \(-rank - 1)...\(rank) for a tensor of shape \(shape)"
      )
    }
    var newDimensions = dimensions
    newDimensions.insert(1, at: resolved)
    return sharingStorage("unsqueeze", as: Shape(newDimensions))
  }

  /// Removes `axis`, which must have size 1 (a view).
  public func squeezed(axis: Int) throws -> Tensor {
    let resolved = try shape.normalizedAxis(axis, op: "squeeze")
    guard dimensions[resolved] == 1 else {
      throw TensorError.invalidArgument(
        op: "squeeze", detail: "axis \(axis) of \(shape) has size \(dimensions[resolved]), not 1")
    }
    var newDimensions = dimensions
    newDimensions.remove(at: resolved)
    return sharingStorage("squeeze", as: Shape(newDimensions))
  }

  /// Swaps two axes; by default the last two (a batched matrix transpose).
  public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) throws -> Tensor {
    let first = try shape.normalizedAxis(axis0, op: "transpose")
    let second = try shape.normalizedAxis(axis1, op: "transpose")
    var order = Array(0..<rank)
    order.swapAt(first, second)
    return permutedAxes(order, name: "transpose")
  }

  /// Result axis i is input axis `order[i]` (negative axes count from the end). The gradient
  /// applies the inverse permutation.
  public func permuted(_ order: [Int]) throws -> Tensor {
    let invalid = TensorError.invalidArgument(
      op: "permute", detail: "order \(order) is not a permutation of the \(rank) axes of \(shape)")
    guard order.count == rank else { throw invalid }
    let axes = try order.map { axis in
      do { return try shape.normalizedAxis(axis, op: "permute") } catch { throw invalid }
    }
    guard Set(axes).count == rank else { throw invalid }
    return permutedAxes(axes, name: "permute")
  }

  /// Repeats size-1 axes (and prepends axes) to reach `target`, NumPy style. The gradient sums
  /// over the repeated axes.
  public func broadcast(to target: Shape) throws -> Tensor {
    let prefix = "cannot expand \(shape) to \(target)"
    guard target.rank >= rank else {
      throw TensorError.shapeMismatch(
        op: "broadcast", detail: "\(prefix): the target has fewer axes")
    }
    let leading = target.rank - rank
    for axis in 0..<rank where dimensions[axis] != 1 && dimensions[axis] != target[leading + axis] {
      let wanted = target[leading + axis]
      let allowed = wanted == 1 ? "1" : "1 or \(wanted)"
      throw TensorError.shapeMismatch(
        op: "broadcast",
        detail: "\(prefix): axis \(leading + axis) has size \(dimensions[axis]), needs \(allowed)")
    }
    // Only size-1 axes added or kept: the memory order is unchanged.
    if target.count == count { return sharingStorage("broadcast", as: target) }
    let plan = try BroadcastPlan(shape, target, op: "broadcast")
    let output = TensorStorage(count: target.count, zeroed: false)
    let (x, z) = (storage.pointer, output.pointer)
    plan.forEachRow { o, source, _, length, step, _ in
      for i in 0..<length { z[o + i] = x[source + i * step] }
    }
    let node = gradientNode
    return Tensor.result("broadcast", shape: target, storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      plan.forEachRow { o, source, _, length, step, _ in
        for i in 0..<length { gx[source + i * step] += g[o + i] }
      }
    }
  }

  /// Joins tensors along `axis`; all other sizes must agree. The gradient is sliced back.
  public static func concatenate(_ tensors: [Tensor], axis: Int) throws -> Tensor {
    guard let first = tensors.first else {
      throw TensorError.invalidArgument(op: "concatenate", detail: "needs at least one tensor")
    }
    let resolved = try first.shape.normalizedAxis(axis, op: "concatenate")
    for (position, tensor) in tensors.enumerated() {
      let matches =
        tensor.rank == first.rank
        && (0..<first.rank).allSatisfy { $0 == resolved || tensor.shape[$0] == first.shape[$0] }
      guard matches else {
        throw TensorError.shapeMismatch(
          op: "concatenate",
          detail:
            "tensor \(position) of shape \(tensor.shape) does not match \(first.shape) outside axis \(resolved)"
        )
      }
    }
    var outputDimensions = first.dimensions
    outputDimensions[resolved] = tensors.reduce(0) { $0 + $1.shape[resolved] }
    let outputShape = Shape(outputDimensions)
    let (outer, total, inner) = outputShape.split(at: resolved)
    // Each input fills a (size x inner) block of every outer row, starting at `starts[k]`.
    var starts: [Int] = []
    var position = 0
    for tensor in tensors {
      starts.append(position * inner)
      position += tensor.shape[resolved]
    }
    let output = TensorStorage(count: outputShape.count, zeroed: false)
    let z = output.pointer
    // Threads split the outer rows: every element is copied (or added) by one thread.
    for (tensor, start) in zip(tensors, starts) {
      let block = tensor.shape[resolved] * inner
      Parallel.forChunks(count: outer, minimumPerThread: Parallel.rows(of: block)) { rows in
        for o in rows {
          (z + o * total * inner + start).update(
            from: tensor.storage.pointer + o * block, count: block)
        }
      }
    }
    // The pullback slices the gradient back: it needs each input's node and size, no values.
    let parts = tensors.map { (node: $0.gradientNode, needsGradient: $0.requiresGrad, size: $0.shape[resolved]) }
    return result("concatenate", shape: outputShape, storage: output, inputs: tensors) { g in
      for (part, start) in zip(parts, starts) where part.needsGradient {
        let block = part.size * inner
        let gx = part.node.accumulator()
        Parallel.forChunks(count: outer, minimumPerThread: Parallel.rows(of: block)) { rows in
          for o in rows {
            let source = g + o * total * inner + start
            for i in 0..<block { gx[o * block + i] += source[i] }
          }
        }
      }
    }
  }

  /// Elements `range` along `axis`. The gradient adds into that range and leaves the rest.
  public func sliced(axis: Int, range: Range<Int>) throws -> Tensor {
    let resolved = try shape.normalizedAxis(axis, op: "slice")
    let (outer, size, inner) = shape.split(at: resolved)
    guard range.lowerBound >= 0, range.upperBound <= size else {
      throw TensorError.invalidArgument(
        op: "slice",
        detail:
          "range \(range.lowerBound)..<\(range.upperBound) is out of bounds for axis \(axis) of size \(size) in \(shape)"
      )
    }
    var outputDimensions = dimensions
    outputDimensions[resolved] = range.count
    let output = TensorStorage(count: outer * range.count * inner, zeroed: false)
    let (block, offset) = (range.count * inner, range.lowerBound * inner)
    let (x, z) = (storage.pointer, output.pointer)
    Parallel.forChunks(count: outer, minimumPerThread: Parallel.rows(of: block)) { rows in
      for o in rows { (z + o * block).update(from: x + o * size * inner + offset, count: block) }
    }
    let node = gradientNode
    return Tensor.result("slice", shape: Shape(outputDimensions), storage: output, inputs: [self]) {
      g in
      let gx = node.accumulator()
      Parallel.forChunks(count: outer, minimumPerThread: Parallel.rows(of: block)) { rows in
        for o in rows {
          let destination = gx + o * size * inner + offset
          for i in 0..<block { destination[i] += g[o * block + i] }
        }
      }
    }
  }
}

extension Tensor {
  /// A result over this tensor's own storage; the gradient passes through element for element.
  fileprivate func sharingStorage(_ name: String, as newShape: Shape) -> Tensor {
    let node = gradientNode
    return Tensor.result(name, shape: newShape, storage: storage, inputs: [self]) { g in
      let gx = node.accumulator()
      Parallel.forChunks(count: node.count, minimumPerThread: Parallel.elementwiseMinimum) { range in
        for i in range { gx[i] += g[i] }
      }
    }
  }

  /// Resolves one -1 in `requested` from the element count, or throws naming both shapes.
  fileprivate static func inferredDimensions(
    _ requested: [Int], count: Int, from shape: Shape
  ) throws -> [Int] {
    let prefix = "cannot view \(shape) as (\(requested.map(String.init).joined(separator: ", ")))"
    let wildcards = requested.indices.filter { requested[$0] == -1 }
    guard wildcards.count <= 1, requested.allSatisfy({ $0 >= -1 }) else {
      throw TensorError.invalidArgument(
        op: "reshape", detail: "\(prefix): sizes must be >= 0, with at most one -1 to infer")
    }
    guard let wildcard = wildcards.first else {
      let target = requested.reduce(1, *)
      guard target == count else {
        throw TensorError.shapeMismatch(
          op: "reshape", detail: "\(prefix): \(count) vs \(target) elements")
      }
      return requested
    }
    let known = requested.enumerated().reduce(1) { $1.offset == wildcard ? $0 : $0 * $1.element }
    guard known > 0, count % known == 0 else {
      throw TensorError.shapeMismatch(
        op: "reshape", detail: "\(prefix): \(count) elements do not split into groups of \(known)")
    }
    var resolved = requested
    resolved[wildcard] = count / known
    return resolved
  }

  /// Permutes by validated axes. A permutation that keeps the relative order of the axes longer
  /// than 1 leaves the memory order as is and becomes a view.
  fileprivate func permutedAxes(_ axes: [Int], name: String) -> Tensor {
    let outputShape = Shape(axes.map { dimensions[$0] })
    let moved = axes.filter { dimensions[$0] != 1 }
    if count == 0 || moved == moved.sorted() { return sharingStorage(name, as: outputShape) }
    let output = TensorStorage(count: count, zeroed: false)
    let node = gradientNode
    let leadingKept = axes.dropLast(2).elementsEqual(0..<(rank - 2))
    if leadingKept, axes[rank - 2] == rank - 1, axes[rank - 1] == rank - 2 {
      // (batch, rows, columns) -> (batch, columns, rows); the gradient transposes back.
      let (rows, columns) = (dimensions[rank - 2], dimensions[rank - 1])
      let batch = count / (rows * columns)
      MatrixTranspose.run(
        storage.pointer, into: output.pointer, batch: batch, rows: rows, columns: columns,
        accumulate: false)
      return Tensor.result(name, shape: outputShape, storage: output, inputs: [self]) { g in
        MatrixTranspose.run(
          g, into: node.accumulator(), batch: batch, rows: columns, columns: rows,
          accumulate: true)
      }
    }
    let strides = shape.strides
    let walk = PermutedWalk(shape: outputShape, sourceStrides: axes.map { strides[$0] })
    let (x, y) = (storage.pointer, output.pointer)
    walk.forEachRowInParallel { o, source, length, step in
      for i in 0..<length { y[o + i] = x[source + i * step] }
    }
    return Tensor.result(name, shape: outputShape, storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      // A permutation is a bijection: every input element receives exactly one addition.
      walk.forEachRowInParallel { o, source, length, step in
        for i in 0..<length { gx[source + i * step] += g[o + i] }
      }
    }
  }
}

/// Walks a permuted tensor in its own row-major order, one run of the last axis at a time, with
/// each run's offset and step in the source. Rows are independent, so chunks run in parallel.
private struct PermutedWalk {
  let shape: Shape
  /// Per output axis, the source stride of the input axis it came from.
  let sourceStrides: [Int]

  /// `body(outputOffset, sourceOffset, length, sourceStep)`; needs rank >= 1 and count > 0.
  func forEachRowInParallel(_ body: (Int, Int, Int, Int) -> Void) {
    let rank = shape.rank
    let length = shape[rank - 1]
    let rows = shape.count / length
    Parallel.forChunks(count: rows, minimumPerThread: Swift.max(1, (1 << 15) / length)) { chunk in
      var index = [Int](repeating: 0, count: rank - 1)
      var remainder = chunk.lowerBound
      var source = 0
      for axis in stride(from: rank - 2, through: 0, by: -1) {
        index[axis] = remainder % shape[axis]
        remainder /= shape[axis]
        source += index[axis] * sourceStrides[axis]
      }
      for row in chunk {
        body(row * length, source, length, sourceStrides[rank - 1])
        var axis = rank - 2
        while axis >= 0 {
          index[axis] += 1
          source += sourceStrides[axis]
          if index[axis] < shape[axis] { break }
          source -= sourceStrides[axis] * index[axis]
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }
}

/// Batched matrix transpose in 32 x 32 tiles, so that both the strided reads and the strided
/// writes of a tile stay in L1.
private enum MatrixTranspose {
  static let tile = 32

  /// destination (batch, columns, rows) = (or +=) source (batch, rows, columns) transposed.
  static func run(
    _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
    batch: Int, rows: Int, columns: Int, accumulate: Bool
  ) {
    let rowTiles = (rows + tile - 1) / tile
    let matrix = rows * columns
    // Each job owns one band of source rows = one band of destination columns: disjoint writes.
    Parallel.forChunks(
      count: batch * rowTiles, minimumPerThread: Swift.max(1, (1 << 15) / (tile * columns))
    ) {
      jobs in
      for job in jobs {
        let (b, firstRow) = (job / rowTiles, (job % rowTiles) * tile)
        let rowEnd = Swift.min(firstRow + tile, rows)
        let (a, c) = (source + b * matrix, destination + b * matrix)
        for firstColumn in stride(from: 0, to: columns, by: tile) {
          let columnEnd = Swift.min(firstColumn + tile, columns)
          for r in firstRow..<rowEnd {
            if accumulate {
              for k in firstColumn..<columnEnd { c[k * rows + r] += a[r * columns + k] }
            } else {
              for k in firstColumn..<columnEnd { c[k * rows + r] = a[r * columns + k] }
            }
          }
        }
      }
    }
  }
}
