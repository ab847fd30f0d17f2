import Tensor

/// Random-projection trees (Dasgupta and Freund 2008, as pynndescent builds them for its
/// start): each node splits its points by the hyperplane halfway between two of them, chosen at
/// random, until at most `leafSize` remain. Points sharing a leaf are likely near neighbours.
///
/// Every node draws from its own generator, seeded by (seed, tree, path), and trees are built
/// independently, so the forest is the same for any thread count. A forest holds a range of
/// the trees: NN-descent builds and uses a few at a time (12 bytes a point each, 384 MB for 32
/// trees at a million points if all were built first).
struct RandomProjectionForest {
  /// Per tree: the points in leaf order, and for each point the end of its leaf in `order`
  /// (leaves are consecutive, so the ends give every leaf's range).
  struct Tree {
    var order: [Int32]
    var leafEnd: [Int32]
  }

  let trees: [Tree]

  init(
    data: UnsafePointer<Float>, count: Int, dimensions: Int, trees treeRange: Range<Int>,
    leafSize: Int, seed: UInt64
  ) {
    var built = [Tree?](repeating: nil, count: treeRange.count)
    built.withUnsafeMutableBufferPointer { output in
      let out = output.baseAddress!
      Parallel.forChunks(count: treeRange.count, minimumPerThread: 1) { range in
        for t in range {
          out[t] = Self.build(
            data: data, count: count, dimensions: dimensions, leafSize: leafSize,
            seed: NeighbourDescent.mix(seed, UInt64(treeRange.lowerBound + t) &+ 0x7F4A))
        }
      }
    }
    trees = built.map { $0! }
  }

  private static func build(
    data: UnsafePointer<Float>, count: Int, dimensions: Int, leafSize: Int, seed: UInt64
  ) -> Tree {
    var order = (0..<count).map { Int32($0) }
    var leafEnd = [Int32](repeating: 0, count: count)
    var normal = [Float](repeating: 0, count: dimensions)
    var scratch = [Int32](repeating: 0, count: count)
    var stack: [(lower: Int, upper: Int, path: UInt64)] = [(0, count, 1)]
    while let node = stack.popLast() {
      let size = node.upper - node.lower
      if size <= leafSize {
        for s in node.lower..<node.upper { leafEnd[Int(order[s])] = Int32(node.upper) }
        continue
      }
      var random = RandomGenerator(seed: NeighbourDescent.mix(seed, node.path))
      let a = Int(order[node.lower + random.nextInt(below: size)])
      var b = Int(order[node.lower + random.nextInt(below: size - 1)])
      if b == a { b = Int(order[node.upper - 1]) }
      // Hyperplane: normal = x_a - x_b through the midpoint.
      var offset: Float = 0
      for d in 0..<dimensions {
        let (xa, xb) = (data[a * dimensions + d], data[b * dimensions + d])
        normal[d] = xa - xb
        offset += normal[d] * (xa + xb) / 2
      }
      var leftCount = 0
      var rightCount = 0
      normal.withUnsafeBufferPointer { normal in
        for s in node.lower..<node.upper {
          let i = Int(order[s])
          let margin =
            NeighbourDistance.dot(normal.baseAddress!, data + i * dimensions, dimensions) - offset
          let goesLeft = margin == 0 ? random.next() & 1 == 0 : margin > 0
          if goesLeft {
            order[node.lower + leftCount] = Int32(i)
            leftCount += 1
          } else {
            scratch[rightCount] = Int32(i)
            rightCount += 1
          }
        }
      }
      for r in 0..<rightCount { order[node.lower + leftCount + r] = scratch[r] }
      // Duplicated points cannot be separated by any hyperplane: split them in halves.
      if leftCount == 0 || rightCount == 0 { leftCount = size / 2 }
      let middle = node.lower + leftCount
      stack.append((middle, node.upper, node.path &* 2 &+ 1))
      stack.append((node.lower, middle, node.path &* 2))
    }
    return Tree(order: order, leafEnd: leafEnd)
  }
}
