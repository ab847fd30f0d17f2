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
  /// Checked between leaves and between blocks of the local join: a cancelled search stops.
  let monitor: TSNEPreparationMonitor

  func row(_ i: Int) -> NeighbourHeapRow {
    NeighbourHeapRow(
      indices: indices + i * k, distances: distances + i * k, isNew: isNew + i * k, k: k)
  }

  /// Offers each list its point's leaf-mates in every tree of `forest` (call it for the trees
  /// in order, then `fillFromRandomPoints`). Each pair of leaf-mates is measured once and offered
  /// to both lists (pynndescent's `init_rp_tree`); a leaf's points are few enough to stay in
  /// cache. Leaves of one tree are disjoint, so they run in parallel, and trees run in order:
  /// every list sees the same offers in the same order for any thread count.
  func offerLeafMates(forest: RandomProjectionForest) {
    for tree in forest.trees {
      var leaves: [Int32] = [0]
      while Int(leaves[leaves.count - 1]) < count {
        leaves.append(tree.leafEnd[Int(tree.order[Int(leaves[leaves.count - 1])])])
      }
      tree.order.withUnsafeBufferPointer { order in
        let order = order.baseAddress!
        Parallel.forChunks(count: leaves.count - 1, minimumPerThread: 8) { range in
          for leaf in range {
            if monitor.isCancelled { return }
            let (lower, upper) = (Int(leaves[leaf]), Int(leaves[leaf + 1]))
            for a in lower..<upper {
              let i = order[a]
              let xi = data + Int(i) * dimensions
              for b in (a + 1)..<upper {
                let j = order[b]
                let d = NeighbourDescent.squaredDistance(xi, data + Int(j) * dimensions, dimensions)
                row(Int(i)).pushIfAbsent(j, d)
                row(Int(j)).pushIfAbsent(i, d)
              }
            }
          }
        }
      }
    }
  }

  /// Fills the lists that the leaves left short of k entries with random points.
  func fillFromRandomPoints(seed: UInt64) {
    Parallel.forChunks(count: count, minimumPerThread: 256) { range in
      for i in range where row(i).largest == .infinity {
        let row = row(i)
        let xi = data + i * dimensions
        var random = RandomGenerator(seed: NeighbourDescent.mix(seed, UInt64(i) &+ 0xA11CE))
        var attempts = 0
        while row.largest == .infinity, attempts < 64 * k {
          attempts += 1
          let j = random.nextInt(below: count)
          if j == i { continue }
          row.pushIfAbsent(
            Int32(j), NeighbourDescent.squaredDistance(xi, data + j * dimensions, dimensions))
        }
      }
    }
  }

  /// One round; returns how many list entries changed. `progress` hears the fraction done.
  func descend(candidates c: Int, seed: UInt64, progress: (Double) -> Void = { _ in }) -> Int {
    // One kind at a time (old first: sampling the new ones clears their flags), so that only
    // one forward sample (N x c) is held beside the sets.
    func candidates(new wantsNew: Bool) -> CandidateSets {
      var sets = CandidateSets(count: count, capacity: 2 * c)
      var forward = [Int32](repeating: -1, count: count * c)
      forward.withUnsafeMutableBufferPointer { forward in
        sampleForward(candidates: c, seed: seed, new: wantsNew, into: forward.baseAddress!)
      }
      sets.fill(forward: forward, perPoint: c, seed: seed &+ (wantsNew ? 1 : 2))
      return sets
    }
    let oldSets = candidates(new: false)
    let newSets = candidates(new: true)
    return newSets.withBuffers { newSets in
      oldSets.withBuffers { oldSets in
        localJoin(new: newSets, old: oldSets, progress: progress)
      }
    }
  }

  /// Points handled per pass of the local join: bounds the offers held at once (at most
  /// (2c)^2 per point) whatever N is.
  static let joinBlock = 4096

  /// pynndescent's local join: for each point u, every pair of its candidates where at least
  /// one is new is measured once, and offered to both lists when it beats the list's farthest
  /// entry as it stood at the round's start. Offers are gathered per block of points in point
  /// order, then each list takes the offers addressed to it in that order: the result does not
  /// depend on how the points were split among threads.
  private func localJoin(
    new: CandidateSets.Buffers, old: CandidateSets.Buffers, progress: (Double) -> Void
  ) -> Int {
    let thresholds = (0..<count).map { distances[$0 * k] }
    let threads = max(1, ComputeSettings.threadCount)
    var offers = [[JoinOffer]](repeating: [], count: threads)
    var changed = [Int](repeating: 0, count: threads)
    var blockStart = 0
    while blockStart < count, !monitor.isCancelled {
      progress(Double(blockStart) / Double(count))
      let block = blockStart..<min(count, blockStart + Self.joinBlock)
      blockStart = block.upperBound
      let chunks = min(threads, max(1, block.count / 256))
      thresholds.withUnsafeBufferPointer { thresholds in
        offers.withUnsafeMutableBufferPointer { offers in
          let (limit, out) = (thresholds.baseAddress!, offers.baseAddress!)
          Parallel.forChunks(count: chunks, minimumPerThread: 1) { chunkRange in
            for chunk in chunkRange {
              let lower = block.lowerBound + block.count * chunk / chunks
              let upper = block.lowerBound + block.count * (chunk + 1) / chunks
              out[chunk].removeAll(keepingCapacity: true)
              for u in lower..<upper {
                gatherOffers(new: new.members(of: u), old: old.members(of: u), limit: limit) {
                  out[chunk].append($0)
                }
              }
            }
          }
        }
      }
      // Each thread owns a range of lists and reads every chunk's offers in chunk order.
      offers.withUnsafeBufferPointer { offers in
        changed.withUnsafeMutableBufferPointer { changed in
          let (all, tally) = (offers.baseAddress!, changed.baseAddress!)
          Parallel.forChunks(count: threads, minimumPerThread: 1) { owners in
            for owner in owners {
              let lists = (count * owner / threads)..<(count * (owner + 1) / threads)
              for chunk in 0..<chunks {
                for offer in all[chunk] where lists.contains(Int(offer.target)) {
                  if row(Int(offer.target)).pushIfAbsent(offer.other, offer.distance) {
                    tally[owner] += 1
                  }
                }
              }
            }
          }
        }
      }
    }
    return changed.reduce(0, +)
  }

  /// The offers of one point's candidates: new x new (each pair once) and new x old.
  @inline(__always)
  private func gatherOffers(
    new: UnsafeBufferPointer<Int32>, old: UnsafeBufferPointer<Int32>,
    limit: UnsafePointer<Float>, _ emit: (JoinOffer) -> Void
  ) {
    @inline(__always) func measure(_ p: Int32, _ q: Int32) {
      if p == q { return }
      let d = NeighbourDescent.squaredDistance(
        data + Int(p) * dimensions, data + Int(q) * dimensions, dimensions)
      // <= keeps ties: equal distances may still enter by the lower index.
      if d <= limit[Int(p)] { emit(JoinOffer(target: p, other: q, distance: d)) }
      if d <= limit[Int(q)] { emit(JoinOffer(target: q, other: p, distance: d)) }
    }
    for a in 0..<new.count {
      for b in (a + 1)..<new.count { measure(new[a], new[b]) }
      for q in old { measure(new[a], q) }
    }
  }

  /// Picks up to c new (or old) entries of each list by a seeded priority; the new ones picked
  /// become old.
  private func sampleForward(
    candidates c: Int, seed: UInt64, new wantsNew: Bool, into output: UnsafeMutablePointer<Int32>
  ) {
    precondition(k < 1 << 16, "k must be below 65,536")
    Parallel.forChunks(count: count, minimumPerThread: 256) { range in
      let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: k)
      defer { keys.deallocate() }
      for i in range {
        var m = 0
        for r in 0..<k where indices[i * k + r] >= 0 && isNew[i * k + r] == wantsNew {
          let pair = UInt64(i) << 32 | UInt64(indices[i * k + r])
          keys[m] = NeighbourDescent.mix(seed, pair) & ~0xFFFF | UInt64(r)
          m += 1
        }
        var picked = UnsafeMutableBufferPointer(rebasing: keys[0..<m])
        picked.sort()
        for t in 0..<min(m, c) {
          let r = Int(picked[t] & 0xFFFF)
          output[i * c + t] = indices[i * k + r]
          if wantsNew { isNew[i * k + r] = false }
        }
      }
    }
  }
}

/// A candidate pair offered to one list by the local join.
struct JoinOffer {
  var target: Int32
  var other: Int32
  var distance: Float
}
