/// Ops that read elements by integer position (embedding lookup, gather, index select) and the
/// attention mask fill. Indices are validated up front, so a bad token id throws instead of
/// reading outside a buffer. Backward passes scatter-add, so repeated indices accumulate; they run
/// on one thread because two positions may add into the same gradient element.
extension Tensor {
  /// Rows of `table` (vocabulary, dimension) picked by `indices`: the result has shape
  /// `indices.shape + [dimension]`.
  public static func embedding(_ table: Tensor, indices: IndexTensor) throws -> Tensor {
    guard table.rank == 2 else {
      throw TensorError.shapeMismatch(
        op: "embedding", detail: "table must have shape (vocabulary, dimension), got \(table.shape)"
      )
    }
    let (vocabulary, width) = (table.shape[0], table.shape[1])
    for index in indices.values where index < 0 || index >= vocabulary {
      throw TensorError.indexOutOfRange(op: "embedding", index: index, size: vocabulary)
    }
    let outputShape = Shape(indices.shape.dimensions + [width])
    let output = TensorStorage(count: outputShape.count, zeroed: false)
    let (x, z, ids) = (table.storage.pointer, output.pointer, indices.values)
    Parallel.forChunks(
      count: ids.count, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(1, width))
    ) {
      positions in
      for p in positions { (z + p * width).update(from: x + ids[p] * width, count: width) }
    }
    let node = table.gradientNode
    return result("embedding", shape: outputShape, storage: output, inputs: [table]) { g in
      let gx = node.accumulator()
      for (p, id) in ids.enumerated() {
        let (row, source) = (gx + id * width, g + p * width)
        for d in 0..<width { row[d] += source[d] }
      }
    }
  }

  /// torch.gather: `result[..., j, ...] = self[..., indices[..., j, ...], ...]` along `axis`.
  /// `indices` has this tensor's rank and sizes on every axis but `axis`; the result has its shape.
  public func gathered(axis: Int, indices: IndexTensor) throws -> Tensor {
    let resolved = try shape.normalizedAxis(axis, op: "gather")
    let matches =
      indices.shape.rank == rank
      && (0..<rank).allSatisfy { $0 == resolved || indices.shape[$0] == shape[$0] }
    guard matches else {
      throw TensorError.shapeMismatch(
        op: "gather",
        detail:
          "indices of shape \(indices.shape) must match the input \(shape) on every axis but \(axis)"
      )
    }
    let (_, size, inner) = shape.split(at: resolved)
    for index in indices.values where index < 0 || index >= size {
      throw TensorError.indexOutOfRange(op: "gather", index: index, size: size)
    }
    let picks = indices.shape[resolved]
    let ids = indices.values
    // Output element p = (o, j, i) reads input element (o, ids[p], i).
    func sourceOffset(_ p: Int) -> Int {
      let (o, i) = (p / (picks * inner), p % inner)
      return (o * size + ids[p]) * inner + i
    }
    let output = TensorStorage(count: ids.count, zeroed: false)
    let (x, z) = (storage.pointer, output.pointer)
    for p in 0..<ids.count { z[p] = x[sourceOffset(p)] }
    let node = gradientNode
    return Tensor.result("gather", shape: indices.shape, storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      for p in 0..<ids.count { gx[sourceOffset(p)] += g[p] }
    }
  }

  /// torch.index_select: the slices at `indices` (rank 1) along `axis`, in that order.
  public func indexSelected(axis: Int, indices: IndexTensor) throws -> Tensor {
    let resolved = try shape.normalizedAxis(axis, op: "indexSelect")
    guard indices.shape.rank == 1 else {
      throw TensorError.shapeMismatch(
        op: "indexSelect", detail: "indices must have rank 1, got shape \(indices.shape)")
    }
    let (outer, size, inner) = shape.split(at: resolved)
    for index in indices.values where index < 0 || index >= size {
      throw TensorError.indexOutOfRange(op: "indexSelect", index: index, size: size)
    }
    let ids = indices.values
    var outputDimensions = dimensions
    outputDimensions[resolved] = ids.count
    let output = TensorStorage(count: outer * ids.count * inner, zeroed: false)
    let (x, z) = (storage.pointer, output.pointer)
    let selected = outer * ids.count
    Parallel.forChunks(count: selected, minimumPerThread: Parallel.rows(of: inner)) { rows in
      for row in rows {
        let (o, j) = row.quotientAndRemainder(dividingBy: ids.count)
        (z + row * inner).update(from: x + (o * size + ids[j]) * inner, count: inner)
      }
    }
    let node = gradientNode
    return Tensor.result(
      "indexSelect", shape: Shape(outputDimensions), storage: output, inputs: [self]
    ) {
      g in
      let gx = node.accumulator()
      // An index may repeat, so a source row can receive several rows: threads split the
      // columns instead, and each adds the rows in order, as one thread would.
      Parallel.forChunks(count: inner, minimumPerThread: Parallel.rows(of: selected)) { columns in
        for o in 0..<outer {
          for (j, id) in ids.enumerated() {
            let (row, source) = (gx + (o * size + id) * inner, g + (o * ids.count + j) * inner)
            for i in columns { row[i] += source[i] }
          }
        }
      }
    }
  }

  /// `value` where `mask` (broadcastable to this shape) is non-zero, this tensor elsewhere.
  /// `value` may be -infinity (attention masks before softmax). Filled positions get no gradient;
  /// the mask itself is never differentiated.
  public func maskedFilled(_ mask: Tensor, value: Float) throws -> Tensor {
    guard let plan = try? BroadcastPlan(shape, mask.shape, op: "maskedFill"),
      plan.outputShape == shape
    else {
      throw TensorError.shapeMismatch(
        op: "maskedFill", detail: "mask of shape \(mask.shape) cannot be broadcast to \(shape)")
    }
    let output = TensorStorage(count: count, zeroed: false)
    let (x, m, z) = (storage.pointer, mask.storage.pointer, output.pointer)
    // The output has this tensor's shape, so output offsets are also offsets into `x`.
    let sameShape = mask.shape == shape
    if sameShape {
      Parallel.forChunks(count: count, minimumPerThread: 1 << 16) { range in
        for i in range { z[i] = m[i] != 0 ? value : x[i] }
      }
    } else {
      plan.forEachRow { o, _, om, length, _, step in
        for i in 0..<length { z[o + i] = m[om + i * step] != 0 ? value : x[o + i] }
      }
    }
    let (node, maskStorage) = (gradientNode, mask.storage)
    return Tensor.result("maskedFill", shape: shape, storage: output, inputs: [self]) { g in
      let (gx, m) = (node.accumulator(), maskStorage.pointer)
      if sameShape {
        for i in 0..<node.count where m[i] == 0 { gx[i] += g[i] }
        return
      }
      plan.forEachRow { o, _, om, length, _, step in
        for i in 0..<length where m[om + i * step] == 0 { gx[o + i] += g[o + i] }
      }
    }
  }
}
