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

  /// `forward`: `perPoint` entries per point, -1 where there are fewer.
  mutating func fill(forward: [Int32], perPoint c: Int, seed: UInt64) {
    let n = count
    // Reverse edges in point order (serial counting sort: deterministic and O(N c)).
    precondition(n * c < Int(Int32.max), "too many candidates for 32-bit starts")
    var reverseStart = [Int32](repeating: 0, count: n + 1)
    for v in forward where v >= 0 { reverseStart[Int(v) + 1] += 1 }
    for u in 0..<n { reverseStart[u + 1] += reverseStart[u] }
    var reverse = [Int32](repeating: 0, count: Int(reverseStart[n]))
    var fillAt = reverseStart
    for i in 0..<n {
      for t in 0..<c {
        let v = Int(forward[i * c + t])
        if v < 0 { continue }
        reverse[Int(fillAt[v])] = Int32(i)
        fillAt[v] += 1
      }
    }
    let capacity = self.capacity
    forward.withUnsafeBufferPointer { forward in
      reverse.withUnsafeBufferPointer { reverse in
        reverseStart.withUnsafeBufferPointer { reverseStart in
          members.withUnsafeMutableBufferPointer { members in
            sizes.withUnsafeMutableBufferPointer { sizes in
              let (f, r, rs) = (forward.baseAddress!, reverse.baseAddress!, reverseStart.baseAddress!)
              let (out, size) = (members.baseAddress!, sizes.baseAddress!)
              Parallel.forChunks(count: n, minimumPerThread: 512) { range in
                var keys = [UInt64]()
                for u in range {
                  var m = 0
                  for t in 0..<c where f[u * c + t] >= 0 {
                    out[u * capacity + m] = f[u * c + t]
                    m += 1
                  }
                  let incoming = Int(rs[u])..<Int(rs[u + 1])
                  if incoming.count <= capacity - m {
                    for e in incoming {
                      out[u * capacity + m] = r[e]
                      m += 1
                    }
                  } else {
                    keys.removeAll(keepingCapacity: true)
                    for e in incoming {
                      let pair = UInt64(u) << 32 | UInt64(r[e])
                      keys.append(NeighbourDescent.mix(seed, pair) & ~0xFFFF_FFFF | UInt64(r[e]))
                    }
                    keys.sort()
                    for key in keys.prefix(capacity - m) {
                      out[u * capacity + m] = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
                      m += 1
                    }
                  }
                  size[u] = Int32(m)
                }
              }
            }
          }
        }
      }
    }
  }
}
