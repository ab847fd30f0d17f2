import Tensor

extension NeighbourSpace {
  /// Points per block of the refinement: cancellation is checked between blocks.
  static let refinementBlock = 1024

  /// One pass of neighbours of neighbours after the rounds: each list is offered, unsampled,
  /// the `m` nearest entries of the lists of its own `m` nearest entries. The rounds' local
  /// join samples at most c new and c old candidates per point, so a pair of neighbours both
  /// old in a list is never measured; this pass measures the pairs most likely to matter.
  /// Returns how many entries changed.
  ///
  /// Deterministic for any thread count: every list reads a snapshot of the others' m nearest
  /// taken before the pass, and is written only by the thread that handles its point.
  /// Memory: the snapshot, 4m bytes a point. `order` (a permutation, or nil) is the visiting
  /// order, for locality as in the join.
  func refine(nearest m: Int, order: UnsafePointer<Int32>?) -> Int {
    let m = min(m, k)
    var nearest = [Int32](repeating: -1, count: count * m)
    nearest.withUnsafeMutableBufferPointer { nearest in
      let out = nearest.baseAddress!
      Parallel.forChunks(count: count, minimumPerThread: 256) { range in
        var keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: k)
        defer { keys.deallocate() }
        for i in range {
          // (distance, index) as one key: a non-negative float's bits order as its value;
          // empty slots (infinity, -1) sort last.
          for r in 0..<k {
            keys[r] =
              UInt64(distances[i * k + r].bitPattern) << 32
              | UInt64(UInt32(bitPattern: indices[i * k + r]))
          }
          keys.sort()
          for t in 0..<m { out[i * m + t] = Int32(truncatingIfNeeded: keys[t]) }
        }
      }
    }
    let blocks = (count + Self.refinementBlock - 1) / Self.refinementBlock
    var changed = [Int](repeating: 0, count: blocks)
    nearest.withUnsafeBufferPointer { nearest in
      changed.withUnsafeMutableBufferPointer { changed in
        let (near, tally) = (nearest.baseAddress!, changed.baseAddress!)
        Parallel.forChunks(count: blocks, minimumPerThread: 1) { blockRange in
          let others = UnsafeMutablePointer<Int32>.allocate(capacity: m * m)
          defer { others.deallocate() }
          for block in blockRange {
            if monitor.isCancelled { return }
            let lower = block * Self.refinementBlock
            for position in lower..<min(count, lower + Self.refinementBlock) {
              let i = order.map { Int($0[position]) } ?? position
              tally[block] += refine(
                point: i, nearest: near, m: m, others: others)
            }
          }
        }
      }
    }
    return changed.reduce(0, +)
  }

  /// Offers list i the m nearest of each of its m nearest entries' lists (`near`: the
  /// snapshot), each candidate measured once, four at a time.
  @inline(__always)
  private func refine(
    point i: Int, nearest near: UnsafePointer<Int32>, m: Int, others: UnsafeMutablePointer<Int32>
  ) -> Int {
    let row = row(i)
    var count = 0
    for a in 0..<m {
      let j = near[i * m + a]
      if j < 0 { continue }
      for b in 0..<m {
        let l = near[Int(j) * m + b]
        if l >= 0, Int(l) != i { others[count] = l; count += 1 }
      }
    }
    // Each candidate once, and none already in the list.
    var candidates = UnsafeMutableBufferPointer(start: others, count: count)
    candidates.sort()
    var unique = 0
    for s in 0..<count where s == 0 || others[s] != others[s - 1] {
      if firstSlot(of: others[s], in: indices + i * k, count: k) == nil {
        others[unique] = others[s]
        unique += 1
      }
    }
    let n = dimensions
    let xi = data + i * n
    var changed = 0
    var s = 0
    while s + 4 <= unique {
      let d = NeighbourDistance.squared(
        xi, data + Int(others[s]) * n, data + Int(others[s + 1]) * n,
        data + Int(others[s + 2]) * n, data + Int(others[s + 3]) * n, n)
      for t in 0..<4 where row.pushIfAbsent(others[s + t], d[t]) { changed += 1 }
      s += 4
    }
    while s < unique {
      if row.pushIfAbsent(others[s], NeighbourDistance.squared(xi, data + Int(others[s]) * n, n)) {
        changed += 1
      }
      s += 1
    }
    return changed
  }
}
