import Tensor

/// Per point, the NN-descent candidates of one kind (new or old) for a round: the sampled
/// forward entries of its own list, then up to as many points that sampled it (reverse
/// edges), those chosen by a seeded priority when there are more.
struct CandidateSets {
  let count: Int
  let capacity: Int
  private var members: [Int32]
  private var sizes: [Int32]

  init(count: Int, capacity: Int) {
    self.count = count
    self.capacity = capacity
    members = [Int32](repeating: -1, count: count * capacity)
    sizes = [Int32](repeating: 0, count: count)
  }

  /// Empties every set (as a fresh one), keeping the memory: the search reuses its two sets
  /// round after round (`NeighbourSpace.RoundBuffers`).
  mutating func reset() {
    members.withUnsafeMutableBufferPointer { members in
      let slots = members.baseAddress!
      Parallel.forChunks(count: members.count, minimumPerThread: 1 << 16) { range in
        (slots + range.lowerBound).update(repeating: -1, count: range.count)
      }
    }
    sizes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }

  struct Buffers {
    let members: UnsafePointer<Int32>
    let sizes: UnsafePointer<Int32>
    let capacity: Int

    @inline(__always) func members(of i: Int) -> UnsafeBufferPointer<Int32> {
      UnsafeBufferPointer(start: members + i * capacity, count: Int(sizes[i]))
    }
  }

  func withBuffers<R>(_ body: (Buffers) -> R) -> R {
    members.withUnsafeBufferPointer { members in
      sizes.withUnsafeBufferPointer { sizes in
        body(Buffers(members: members.baseAddress!, sizes: sizes.baseAddress!, capacity: capacity))
      }
    }
  }

  /// Lets `body` write each point's sampled forward entries into its first slots (from slot 0,
  /// at most capacity / 2; the slots after them stay -1); `stride` is the slots per point.
  mutating func writeForward(_ body: (_ slots: UnsafeMutablePointer<Int32>, _ stride: Int) -> Void) {
    let capacity = self.capacity
    members.withUnsafeMutableBufferPointer { body($0.baseAddress!, capacity) }
  }

  /// Appends to each point's forward entries the points that sampled it (reverse edges), in
  /// point order while they fit, else the ones with the smallest seeded priority, ascending.
  /// One serial pass over the forward entries (deterministic), selecting in place: no
  /// transposed copy of the edges is held (80 bytes a point at 20 candidates).
  mutating func addReverseEdges(seed: UInt64) {
    let (n, capacity) = (count, self.capacity)
    members.withUnsafeMutableBufferPointer { members in
      sizes.withUnsafeMutableBufferPointer { sizes in
        let (slots, size) = (members.baseAddress!, sizes.baseAddress!)
        var forwardCount = [Int32](repeating: 0, count: n)
        for u in 0..<n {
          var m = 0
          while m < capacity / 2, slots[u * capacity + m] >= 0 { m += 1 }
          forwardCount[u] = Int32(m)
          size[u] = Int32(m)
        }
        // Per point: whether its reverse part overflowed and is kept sorted by priority.
        var byPriority = [Bool](repeating: false, count: n)
        @inline(__always) func priority(_ v: Int, _ w: Int32) -> UInt64 {
          NeighbourDescent.mix(seed, UInt64(v) << 32 | UInt64(w)) & ~0xFFFF_FFFF | UInt64(w)
        }
        for i in 0..<n {
          for t in 0..<Int(forwardCount[i]) {
            let v = Int(slots[i * capacity + t])
            let row = slots + v * capacity
            let first = Int(forwardCount[v])
            if Int(size[v]) < capacity {
              row[Int(size[v])] = Int32(i)
              size[v] += 1
              continue
            }
            if !byPriority[v] {
              var reverse = UnsafeMutableBufferPointer(start: row + first, count: capacity - first)
              reverse.sort { priority(v, $0) < priority(v, $1) }
              byPriority[v] = true
            }
            let key = priority(v, Int32(i))
            var slot = capacity - 1
            if key >= priority(v, row[slot]) { continue }
            while slot > first, priority(v, row[slot - 1]) > key {
              row[slot] = row[slot - 1]
              slot -= 1
            }
            row[slot] = Int32(i)
          }
        }
      }
    }
  }
}
