/// A quadtree over the 2-D embedding, rebuilt every iteration, for the Barnes-Hut repulsion.
///
/// Built from Morton codes: the points are sorted by their interleaved 32-bit cell coordinates
/// (a stable radix sort, so the tree is deterministic), which makes every cell a contiguous
/// range of the sorted points. A node's centre of mass then comes from prefix sums, and a run
/// of cells with one occupied child collapses into the smallest cell holding the points.
/// Nodes are stored in depth-first order with the index just past each subtree (`next`), so a
/// traversal needs no stack: descend with `n + 1`, skip a subtree with `next`.
struct BarnesHutTree: Sendable {
  struct Node: Sendable {
    /// Centre of mass of the points below.
    var x: Float
    var y: Float
    var count: Float
    /// Squared side of the cell: the node is summarised when widthSquared < theta^2 d^2.
    var widthSquared: Float
    /// Index of the first node after this subtree.
    var next: Int32
    /// The node's points: a contiguous range of the sorted points.
    var pointStart: Int32
    var pointEnd: Int32
    /// 1 for a leaf (one point, or points sharing a finest-level cell), else 0.
    var isLeaf: Int32
  }

  /// Points closer than the extent / 2^32 share a leaf whose points are visited one by one.
  ///
  /// Why 32 and not 16: a leaf of m points costs every group inside it m list entries, m^2 / 32
  /// in all. Early in a large run a few points thrown far out stretch the extent while the
  /// clusters stay compact, and with 16 levels (cells of extent / 65,536) whole clusters fell
  /// into single cells: at 200,000 points that made an iteration 45 times the 50,000-point one.
  static let levels = 32
  /// Zeros after the sorted coordinates, so kernels can load whole groups at the end.
  static let padding = 32

  /// Depth-first nodes; only the first `nodeCount` are valid.
  private(set) var nodes: [Node] = []
  private(set) var nodeCount = 0
  /// Sorted position -> original point index, and the sorted coordinates (plus `padding`).
  private(set) var order: [Int32] = []
  private(set) var sortedX: [Float] = []
  private(set) var sortedY: [Float] = []
  private var codes: [UInt64] = []
  private var scratchCodes: [UInt64] = []
  private var scratchOrder: [Int32] = []
  private var prefixX: [Double] = []
  private var prefixY: [Double] = []

  /// Rebuilds the tree for `count` points stored as (x, y) pairs. Array bookkeeping is done
  /// once per size; the work itself runs on raw pointers (this module is built with plain -O).
  mutating func rebuild(positions: UnsafePointer<Float>, count: Int) {
    if order.count != count {
      order = [Int32](repeating: 0, count: count)
      scratchOrder = order
      codes = [UInt64](repeating: 0, count: count)
      scratchCodes = codes
      sortedX = [Float](repeating: 0, count: count + Self.padding)
      sortedY = sortedX
      prefixX = [Double](repeating: 0, count: count + 1)
      prefixY = prefixX
      // Every internal node has at least two children: at most 2N - 1 nodes.
      nodes = [Node](
        repeating: Node(
          x: 0, y: 0, count: 0, widthSquared: 0, next: 0, pointStart: 0, pointEnd: 0, isLeaf: 0),
        count: max(1, 2 * count))
    }
    guard count > 0 else {
      nodeCount = 0
      return
    }
    order.withUnsafeMutableBufferPointer { order in
      scratchOrder.withUnsafeMutableBufferPointer { scratchOrder in
        codes.withUnsafeMutableBufferPointer { codes in
          scratchCodes.withUnsafeMutableBufferPointer { scratchCodes in
            sortedX.withUnsafeMutableBufferPointer { sortedX in
              sortedY.withUnsafeMutableBufferPointer { sortedY in
                prefixX.withUnsafeMutableBufferPointer { prefixX in
                  prefixY.withUnsafeMutableBufferPointer { prefixY in
                    nodes.withUnsafeMutableBufferPointer { nodes in
                      var builder = Builder(
                        positions: positions, count: count, order: order.baseAddress!,
                        scratchOrder: scratchOrder.baseAddress!, codes: codes.baseAddress!,
                        scratchCodes: scratchCodes.baseAddress!, sortedX: sortedX.baseAddress!,
                        sortedY: sortedY.baseAddress!, prefixX: prefixX.baseAddress!,
                        prefixY: prefixY.baseAddress!, nodes: nodes.baseAddress!)
                      nodeCount = builder.run()
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// The construction on raw pointers into the tree's arrays.
  private struct Builder {
    let positions: UnsafePointer<Float>
    let count: Int
    var order: UnsafeMutablePointer<Int32>
    var scratchOrder: UnsafeMutablePointer<Int32>
    var codes: UnsafeMutablePointer<UInt64>
    var scratchCodes: UnsafeMutablePointer<UInt64>
    let sortedX: UnsafeMutablePointer<Float>
    let sortedY: UnsafeMutablePointer<Float>
    let prefixX: UnsafeMutablePointer<Double>
    let prefixY: UnsafeMutablePointer<Double>
    let nodes: UnsafeMutablePointer<Node>
    var nodeCount = 0
    var extent: Float = 0

    mutating func run() -> Int {
      var minX = Float.infinity
      var minY = Float.infinity
      var maxX = -Float.infinity
      var maxY = -Float.infinity
      for i in 0..<count {
        minX = min(minX, positions[2 * i])
        maxX = max(maxX, positions[2 * i])
        minY = min(minY, positions[2 * i + 1])
        maxY = max(maxY, positions[2 * i + 1])
      }
      extent = max(maxX - minX, maxY - minY)
      // Quantise to 32 bits per axis (in Double: a Float has only 24 bits of mantissa).
      let top = Double(UInt32.max)
      let scale = extent > 0 ? (top + 0.5) / Double(extent) : 0
      for i in 0..<count {
        let qx = UInt64(min(top, Double(positions[2 * i] - minX) * scale))
        let qy = UInt64(min(top, Double(positions[2 * i + 1] - minY) * scale))
        codes[i] = spread(qx) | (spread(qy) << 1)
        order[i] = Int32(truncatingIfNeeded: i)
      }
      radixSort()
      prefixX[0] = 0
      prefixY[0] = 0
      for s in 0..<count {
        let i = Int(order[s])
        sortedX[s] = positions[2 * i]
        sortedY[s] = positions[2 * i + 1]
        prefixX[s + 1] = prefixX[s] + Double(sortedX[s])
        prefixY[s + 1] = prefixY[s] + Double(sortedY[s])
      }
      nodeCount = 0
      build(begin: 0, end: count)
      return nodeCount
    }

    /// Spreads the 32 bits of v over the even bit positions.
    private func spread(_ value: UInt64) -> UInt64 {
      var v = value & 0xFFFF_FFFF
      v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF
      v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF
      v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F
      v = (v | (v << 2)) & 0x3333_3333_3333_3333
      v = (v | (v << 1)) & 0x5555_5555_5555_5555
      return v
    }

    /// Stable least-significant-digit radix sort of (codes, order), 8 bits per pass; a pass
    /// whose byte is the same in every code is skipped.
    private mutating func radixSort() {
      let (originalCodes, originalOrder) = (codes, order)
      withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { histogram in
        for pass in 0..<8 {
          let shift = UInt64(pass * 8)
          histogram.initialize(repeating: 0)
          for i in 0..<count { histogram[Int((codes[i] >> shift) & 0xFF)] += 1 }
          if histogram[Int((codes[0] >> shift) & 0xFF)] == count { continue }
          var total = 0
          for b in 0..<256 {
            let size = histogram[b]
            histogram[b] = total
            total += size
          }
          for i in 0..<count {
            let bucket = Int((codes[i] >> shift) & 0xFF)
            scratchCodes[histogram[bucket]] = codes[i]
            scratchOrder[histogram[bucket]] = order[i]
            histogram[bucket] += 1
          }
          swap(&codes, &scratchCodes)
          swap(&order, &scratchOrder)
        }
      }
      // The tree's `order` array must hold the result: copy back after an odd number of passes.
      if codes != originalCodes {
        originalCodes.update(from: codes, count: count)
        originalOrder.update(from: order, count: count)
        swap(&codes, &scratchCodes)
        swap(&order, &scratchOrder)
      }
    }

    private mutating func append(_ node: Node) {
      nodes[nodeCount] = node
      nodeCount += 1
    }

    private mutating func build(begin: Int, end: Int) {
      let index = nodeCount
      let n = end - begin
      if n == 1 {
        append(
          Node(
            x: sortedX[begin], y: sortedY[begin], count: 1, widthSquared: 0,
            next: Int32(index + 1), pointStart: Int32(begin), pointEnd: Int32(end), isLeaf: 1))
        return
      }
      let centreX = Float((prefixX[end] - prefixX[begin]) / Double(n))
      let centreY = Float((prefixY[end] - prefixY[begin]) / Double(n))
      let difference = codes[begin] ^ codes[end - 1]
      if difference == 0 {
        // One cell at the finest level (or duplicates): its points are visited one by one.
        let side = extent * Float(sign: .plus, exponent: -BarnesHutTree.levels, significand: 1)
        append(
          Node(
            x: centreX, y: centreY, count: Float(n), widthSquared: side * side,
            next: Int32(index + 1), pointStart: Int32(begin), pointEnd: Int32(end), isLeaf: 1))
        return
      }
      // The codes share their leading 2-bit groups: the smallest cell holding all the points
      // is at that depth, and its four quadrants split on the next group.
      let depth = difference.leadingZeroBitCount / 2
      let side = extent * Float(sign: .plus, exponent: -depth, significand: 1)
      append(
        Node(
          x: centreX, y: centreY, count: Float(n), widthSquared: side * side, next: 0,
          pointStart: Int32(begin), pointEnd: Int32(end), isLeaf: 0))
      let shift = UInt64(62 - 2 * depth)
      var start = begin
      while start < end {
        let quadrant = (codes[start] >> shift) & 3
        var stop = start + 1
        while stop < end, (codes[stop] >> shift) & 3 == quadrant { stop += 1 }
        build(begin: start, end: stop)
        start = stop
      }
      nodes[index].next = Int32(nodeCount)
    }
  }
}
