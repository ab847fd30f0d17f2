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
              let n = dimensions
              let xi = data + Int(i) * n
              @inline(__always) func offer(_ j: Int32, _ d: Float) {
                row(Int(i)).pushIfAbsent(j, d)
                row(Int(j)).pushIfAbsent(i, d)
              }
              var b = a + 1
              while b + 4 <= upper {
                let (j0, j1, j2, j3) = (order[b], order[b + 1], order[b + 2], order[b + 3])
                let d = NeighbourDistance.squared(
                  xi, data + Int(j0) * n, data + Int(j1) * n, data + Int(j2) * n,
                  data + Int(j3) * n, n)
                offer(j0, d[0])
                offer(j1, d[1])
                offer(j2, d[2])
                offer(j3, d[3])
                b += 4
              }
              while b < upper {
                offer(order[b], NeighbourDistance.squared(xi, data + Int(order[b]) * n, n))
                b += 1
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
            Int32(j), NeighbourDistance.squared(xi, data + j * dimensions, dimensions))
        }
      }
    }
  }

  /// The two candidate sets of a round (old and new), kept from round to round.
  ///
  /// Why: at a million points and 25 candidates each set is 200 MB, and two fresh ones a round
  /// were fresh pages every round: the 200,000-point search faulted 319,130 pages instead of
  /// 131,623 and peaked 89 MB higher (docs/benchmarks.md, "Quiet machine after the 6th
  /// session's merges").
  struct RoundBuffers {
    var old: CandidateSets?
    var new: CandidateSets?
    init() {}
  }

  /// One round; returns how many list entries changed. `progress` hears the fraction done.
  /// `order` (a permutation of the points, or nil for index order) is the local join's.
  /// `buffers` lends the previous round's sets (reset, not reallocated) and gets them back.
  func descend(
    candidates c: Int, seed: UInt64, order: UnsafePointer<Int32>? = nil,
    buffers: inout RoundBuffers, progress: (Double) -> Void = { _ in }
  ) -> Int {
    // Old first: sampling the new ones clears their flags. The forward sample is written into
    // the sets' own slots, so nothing of N x c is held beside them.
    func fill(_ sets: inout CandidateSets?, new wantsNew: Bool) {
      // Reset in place through the inout optional: the sets have one owner, so nothing is
      // copied or allocated after the first round.
      if sets?.count == count, sets?.capacity == 2 * c {
        sets!.reset()
      } else {
        sets = CandidateSets(count: count, capacity: 2 * c)
      }
      sets!.writeForward { slots, stride in
        sampleForward(candidates: c, seed: seed, new: wantsNew, into: slots, stride: stride)
      }
      sets!.addReverseEdges(seed: seed &+ (wantsNew ? 1 : 2))
    }
    fill(&buffers.old, new: false)
    fill(&buffers.new, new: true)
    return buffers.new!.withBuffers { newSets in
      buffers.old!.withBuffers { oldSets in
        localJoin(new: newSets, old: oldSets, order: order, progress: progress)
      }
    }
  }

  /// Picks up to c new (or old) entries of each list by a seeded priority; the new ones picked
  /// become old.
  private func sampleForward(
    candidates c: Int, seed: UInt64, new wantsNew: Bool, into output: UnsafeMutablePointer<Int32>,
    stride: Int
  ) {
    precondition(k < 1 << 16, "k must be below 65,536")
    Parallel.forChunks(count: count, minimumPerThread: 256) { range in
      // The c smallest keys, ascending (insertion: after the first few, most keys are refused
      // by one compare; sorting all k keys per point was 8% of the search's time).
      let picked = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(c, 1))
      defer { picked.deallocate() }
      for i in range {
        var m = 0
        for r in 0..<k where indices[i * k + r] >= 0 && isNew[i * k + r] == wantsNew {
          let pair = UInt64(i) << 32 | UInt64(indices[i * k + r])
          let key = NeighbourDescent.mix(seed, pair) & ~0xFFFF | UInt64(r)
          if m == c {
            if c == 0 || key >= picked[c - 1] { continue }
            m -= 1
          }
          var slot = m
          while slot > 0, picked[slot - 1] > key {
            picked[slot] = picked[slot - 1]
            slot -= 1
          }
          picked[slot] = key
          m += 1
        }
        for t in 0..<m {
          let r = Int(picked[t] & 0xFFFF)
          output[i * stride + t] = indices[i * k + r]
          if wantsNew { isNew[i * k + r] = false }
        }
      }
    }
  }
}
