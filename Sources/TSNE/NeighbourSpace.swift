import Tensor

/// The rounds of NN-descent over raw buffers (see `NeighbourDescent`): the data, and one heap
/// row of k (index, squared distance, new flag) per point.
struct NeighbourSpace {
  let data: UnsafePointer<Float>
  let count: Int
  let dimensions: Int
  let k: Int
  let indices: UnsafeMutablePointer<Int32>
  let distances: UnsafeMutablePointer<Float>
  let isNew: UnsafeMutablePointer<Bool>

  func row(_ i: Int) -> NeighbourHeapRow {
    NeighbourHeapRow(
      indices: indices + i * k, distances: distances + i * k, isNew: isNew + i * k, k: k)
  }

  /// Fills each list from the point's leaf-mates in every tree, then with random points where
  /// the leaves held fewer than k others.
  func start(forest: RandomProjectionForest, seed: UInt64) {
    Parallel.forChunks(count: count, minimumPerThread: 256) { range in
      let stamp = UnsafeMutablePointer<Int32>.allocate(capacity: count)
      stamp.initialize(repeating: -1, count: count)
      defer { stamp.deallocate() }
      for i in range {
        let row = row(i)
        let xi = data + i * dimensions
        stamp[i] = Int32(i)
        for tree in forest.trees {
          for s in Int(tree.leafStart[i])..<Int(tree.leafEnd[i]) {
            let j = Int(tree.order[s])
            if stamp[j] == Int32(i) { continue }
            stamp[j] = Int32(i)
            let d = NeighbourDescent.squaredDistance(xi, data + j * dimensions, dimensions)
            row.push(Int32(j), d)
          }
        }
        var random = RandomGenerator(seed: NeighbourDescent.mix(seed, UInt64(i) &+ 0xA11CE))
        var attempts = 0
        while row.largest == .infinity, attempts < 64 * k {
          attempts += 1
          let j = random.nextInt(below: count)
          if stamp[j] == Int32(i) { continue }
          stamp[j] = Int32(i)
          row.push(Int32(j), NeighbourDescent.squaredDistance(xi, data + j * dimensions, dimensions))
        }
      }
    }
  }

  /// One round; returns how many list entries changed.
  func descend(candidates c: Int, seed: UInt64) -> Int {
    var newSets = CandidateSets(count: count, capacity: 2 * c)
    var oldSets = CandidateSets(count: count, capacity: 2 * c)
    do {
      var newForward = [Int32](repeating: -1, count: count * c)
      var oldForward = [Int32](repeating: -1, count: count * c)
      newForward.withUnsafeMutableBufferPointer { newForward in
        oldForward.withUnsafeMutableBufferPointer { oldForward in
          sampleForward(
            candidates: c, seed: seed, new: newForward.baseAddress!, old: oldForward.baseAddress!)
        }
      }
      newSets.fill(forward: newForward, perPoint: c, seed: seed &+ 1)
      oldSets.fill(forward: oldForward, perPoint: c, seed: seed &+ 2)
    }
    var changes = [Int](repeating: 0, count: count)
    newSets.withBuffers { newSets in
      oldSets.withBuffers { oldSets in
        changes.withUnsafeMutableBufferPointer { changes in
          let changed = changes.baseAddress!
          Parallel.forChunks(count: count, minimumPerThread: 256) { range in
            let stamp = UnsafeMutablePointer<Int32>.allocate(capacity: count)
            stamp.initialize(repeating: -1, count: count)
            defer { stamp.deallocate() }
            for i in range {
              changed[i] = join(i, new: newSets, old: oldSets, stamp: stamp)
            }
          }
        }
      }
    }
    return changes.reduce(0, +)
  }

  /// Picks up to c new and c old entries of each list by a seeded priority; the new ones picked
  /// become old.
  private func sampleForward(
    candidates c: Int, seed: UInt64, new: UnsafeMutablePointer<Int32>,
    old: UnsafeMutablePointer<Int32>
  ) {
    precondition(k < 1 << 16, "k must be below 65,536")
    Parallel.forChunks(count: count, minimumPerThread: 256) { range in
      let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: k)
      defer { keys.deallocate() }
      for i in range {
        for wantsNew in [false, true] {
          var m = 0
          for r in 0..<k where indices[i * k + r] >= 0 && isNew[i * k + r] == wantsNew {
            let pair = UInt64(i) << 32 | UInt64(indices[i * k + r])
            keys[m] = NeighbourDescent.mix(seed, pair) & ~0xFFFF | UInt64(r)
            m += 1
          }
          var picked = UnsafeMutableBufferPointer(rebasing: keys[0..<m])
          picked.sort()
          let output = wantsNew ? new : old
          for t in 0..<min(m, c) {
            let r = Int(picked[t] & 0xFFFF)
            output[i * c + t] = indices[i * k + r]
            if wantsNew { isNew[i * k + r] = false }
          }
        }
      }
    }
  }

  /// Neighbours' neighbours of point i where at least one of the two edges is new; returns
  /// how many entries of i's list they replaced.
  private func join(
    _ i: Int, new: CandidateSets.Buffers, old: CandidateSets.Buffers,
    stamp: UnsafeMutablePointer<Int32>
  ) -> Int {
    let row = row(i)
    let mark = Int32(i)
    stamp[i] = mark
    for r in 0..<k where indices[i * k + r] >= 0 { stamp[Int(indices[i * k + r])] = mark }
    let xi = data + i * dimensions
    var changed = 0
    @inline(__always) func consider(_ v: Int32) {
      let j = Int(v)
      if stamp[j] == mark { return }
      stamp[j] = mark
      let d = NeighbourDescent.squaredDistance(xi, data + j * dimensions, dimensions)
      if row.push(v, d) { changed += 1 }
    }
    for u in new.members(of: i) {
      for v in new.members(of: Int(u)) { consider(v) }
      for v in old.members(of: Int(u)) { consider(v) }
    }
    for u in old.members(of: i) {
      for v in new.members(of: Int(u)) { consider(v) }
    }
    return changed
  }
}
