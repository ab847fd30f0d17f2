/// NumPy broadcasting between two shapes: dimensions are aligned from the right and must be equal
/// or 1. `BroadcastPlan` walks the output row by row (all axes but the last) with the matching
/// offsets into each input, so forward kernels and gradient reductions share one index walk.
struct BroadcastPlan {
  let outputShape: Shape
  /// Per output axis, the element stride of each input (0 where that input is broadcast).
  let stridesA: [Int]
  let stridesB: [Int]

  init(_ a: Shape, _ b: Shape, op: String) throws {
    let rank = max(a.rank, b.rank)
    let paddedA = [Int](repeating: 1, count: rank - a.rank) + a.dimensions
    let paddedB = [Int](repeating: 1, count: rank - b.rank) + b.dimensions
    var output = [Int](repeating: 0, count: rank)
    for axis in 0..<rank {
      let (x, y) = (paddedA[axis], paddedB[axis])
      guard x == y || x == 1 || y == 1 else {
        throw TensorError.shapeMismatch(
          op: op, detail: "\(a) and \(b) cannot be broadcast (axis \(axis): \(x) vs \(y))")
      }
      output[axis] = x == 1 ? y : x
    }
    outputShape = Shape(output)
    stridesA = BroadcastPlan.strides(paddedA)
    stridesB = BroadcastPlan.strides(paddedB)
  }

  private static func strides(_ dimensions: [Int]) -> [Int] {
    let natural = Shape(dimensions).strides
    return zip(dimensions, natural).map { $0 == 1 ? 0 : $1 }
  }

  /// Calls `body(outputOffset, offsetA, offsetB, length, innerStrideA, innerStrideB)` for every
  /// row of the output's last axis, in row-major order.
  func forEachRow(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    forEachRow(in: 0..<rowCount, body)
  }

  /// Rows of the output's last axis (all axes but the last, multiplied; 1 for a scalar).
  var rowCount: Int {
    let rank = outputShape.rank
    if rank == 0 { return 1 }
    let length = outputShape[rank - 1]
    return length == 0 ? 0 : outputShape.count / length
  }

  /// `forEachRow` over the rows in `rows` only, in increasing order.
  func forEachRow(in rows: Range<Int>, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    let rank = outputShape.rank
    if rank == 0 {
      if !rows.isEmpty { body(0, 0, 0, 1, 0, 0) }
      return
    }
    let length = outputShape[rank - 1]
    let innerA = stridesA[rank - 1]
    let innerB = stridesB[rank - 1]
    if length == 0 || rows.isEmpty { return }
    var index = [Int](repeating: 0, count: rank - 1)
    var offsetA = 0
    var offsetB = 0
    var remainder = rows.lowerBound
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      index[axis] = remainder % outputShape[axis]
      remainder /= outputShape[axis]
      offsetA += index[axis] * stridesA[axis]
      offsetB += index[axis] * stridesB[axis]
    }
    for row in rows {
      body(row * length, offsetA, offsetB, length, innerA, innerB)
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        offsetA += stridesA[axis]
        offsetB += stridesB[axis]
        if index[axis] < outputShape[axis] { break }
        offsetA -= stridesA[axis] * index[axis]
        offsetB -= stridesB[axis] * index[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }

  /// How a gradient may be accumulated into one input (`strides`: its broadcast strides)
  /// without two threads adding into the same element, nor changing the order in which one
  /// element receives its terms.
  enum GradientSplit {
    /// No leading axis is broadcast: different rows write different elements.
    case rows
    /// Leading axes are broadcast but the last is not: threads take column ranges, and each
    /// walks every row in order.
    case columns
    /// Neither: one thread.
    case none
  }

  func gradientSplit(_ strides: [Int]) -> GradientSplit {
    let rank = outputShape.rank
    if rank == 0 { return .none }
    let leadingBroadcast = (0..<(rank - 1)).contains { strides[$0] == 0 && outputShape[$0] > 1 }
    if !leadingBroadcast { return .rows }
    return strides[rank - 1] == 1 ? .columns : .none
  }
}
