import Tensor

extension NeighbourSpace {
  /// Points handled per pass of the local join: bounds the offers held at once whatever N is.
  /// A point's 2c new and 2c old candidates make at most 2c(2c - 1)/2 + 4c^2 pairs, two offers
  /// of 12 bytes each: 57 KB at c = 20, so 58 MB for a block of 1,024 points (twice that with
  /// the buffers' doubling). Above 20 candidates the block shrinks as 1 / c^2 to keep that
  /// bound. The graph does not depend on the block size (each list takes its offers in point
  /// order either way).
  static func joinBlock(candidates c: Int) -> Int {
    max(128, min(1024, 1024 * 400 / max(1, c * c)))
  }

  /// pynndescent's local join: for each point u, every pair of its candidates where at least
  /// one is new is measured once, and offered to both lists when it does not lose to the list's
  /// farthest entry as it stood after the previous block. Offers are gathered per block of
  /// points in point order, sorted by the thread that owns their list, then each owner takes
  /// its offers in that order: the result does not depend on how the points were split among
  /// threads. (An offer refused by the fresher limit would have been refused by the list
  /// anyway: lists only shrink, so the graph is the one the round-start limits gave.)
  ///
  /// The points u are visited in `order` (a permutation; nil: index order): in a tree's leaf
  /// order the candidates of a block's points are near each other, so their rows are read
  /// from cache rather than from all of a 100 MB input at 200,000 points. A list keeps the k
  /// nearest of the offers it was made, so the round's graph does not depend on the order
  /// (the count of changes, which includes entries replaced again later, may).
  func localJoin(
    new: CandidateSets.Buffers, old: CandidateSets.Buffers, order: UnsafePointer<Int32>?,
    progress: (Double) -> Void
  ) -> Int {
    var limits = (0..<count).map { distances[$0 * k] }
    let threads = max(1, ComputeSettings.threadCount)
    // offers[chunk * threads + owner]: what one chunk of the block sends to one owner's lists.
    var offers = (0..<(threads * threads)).map { _ in JoinOffers() }
    defer { for i in offers.indices { offers[i].free() } }
    var changed = [Int](repeating: 0, count: threads)
    // Owner of a list: a function of (list, threads, count) alone, in 0..<threads.
    let ownerScale = (UInt64(threads) << 32) / UInt64(count) + 1
    let scratchSize = new.capacity + old.capacity
    let blockSize = Self.joinBlock(candidates: new.capacity / 2)
    var blockStart = 0
    while blockStart < count, !monitor.isCancelled {
      progress(Double(blockStart) / Double(count))
      let block = blockStart..<min(count, blockStart + blockSize)
      blockStart = block.upperBound
      let chunks = min(threads, max(1, block.count / 64))
      limits.withUnsafeBufferPointer { limits in
        offers.withUnsafeMutableBufferPointer { offers in
          let (limit, out) = (limits.baseAddress!, offers.baseAddress!)
          Parallel.forChunks(count: chunks, minimumPerThread: 1) { chunkRange in
            let others = UnsafeMutablePointer<Int32>.allocate(capacity: scratchSize)
            let measured = UnsafeMutablePointer<Float>.allocate(capacity: scratchSize)
            defer {
              others.deallocate()
              measured.deallocate()
            }
            for chunk in chunkRange {
              let lists = out + chunk * threads
              for owner in 0..<threads { lists[owner].removeAll() }
              let lower = block.lowerBound + block.count * chunk / chunks
              let upper = block.lowerBound + block.count * (chunk + 1) / chunks
              for position in lower..<upper {
                let u = order.map { Int($0[position]) } ?? position
                gatherOffers(
                  new: new.members(of: u), old: old.members(of: u), limit: limit, others: others,
                  measured: measured
                ) { target, other, distance in
                  let owner = min(threads - 1, Int((UInt64(target) &* ownerScale) >> 32))
                  lists[owner].append(JoinOffer(target: target, other: other, distance: distance))
                }
              }
            }
          }
        }
      }
      // Each thread owns a set of lists and reads its offers from every chunk in chunk order.
      limits.withUnsafeMutableBufferPointer { limits in
        offers.withUnsafeBufferPointer { offers in
          changed.withUnsafeMutableBufferPointer { changed in
            let (limit, all, tally) = (limits.baseAddress!, offers.baseAddress!, changed.baseAddress!)
            Parallel.forChunks(count: threads, minimumPerThread: 1) { owners in
              for owner in owners {
                for chunk in 0..<chunks {
                  let list = all[chunk * threads + owner]
                  for e in 0..<list.count {
                    let offer = list.base[e]
                    let row = row(Int(offer.target))
                    if row.pushIfAbsent(offer.other, offer.distance) {
                      tally[owner] += 1
                      limit[Int(offer.target)] = row.largest
                    }
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

  /// The offers of one point's candidates: new x new (each pair once) and new x old, in that
  /// order, each pair's distance measured four others at a time.
  @inline(__always)
  func gatherOffers(
    new: UnsafeBufferPointer<Int32>, old: UnsafeBufferPointer<Int32>,
    limit: UnsafePointer<Float>, others: UnsafeMutablePointer<Int32>,
    measured: UnsafeMutablePointer<Float>,
    _ emit: (_ target: Int32, _ other: Int32, _ distance: Float) -> Void
  ) {
    @inline(__always) func offer(_ p: Int32, _ q: Int32, _ d: Float) {
      if p == q { return }
      // <= keeps ties: equal distances may still enter by the lower index.
      if d <= limit[Int(p)] { emit(p, q, d) }
      if d <= limit[Int(q)] { emit(q, p, d) }
    }
    let n = dimensions
    for a in 0..<new.count {
      let p = new[a]
      var m = 0
      for b in (a + 1)..<new.count {
        others[m] = new[b]
        m += 1
      }
      for q in old {
        others[m] = q
        m += 1
      }
      let xp = data + Int(p) * n
      @inline(__always) func row(_ s: Int) -> UnsafePointer<Float> { data + Int(others[s]) * n }
      @inline(__always) func measureFour(_ s: Int) {
        let d = NeighbourDistance.squared(xp, row(s), row(s + 1), row(s + 2), row(s + 3), n)
        UnsafeMutableRawPointer(measured + s).storeBytes(of: d, as: SIMD4<Float>.self)
      }
      // Every other point p reads the others backwards: the rows the previous p read last
      // (up to 4c rows of 512 bytes at 128-D, more than the 32 KB first-level cache) are then
      // read first, while still cached. The offers keep their order (the same changes).
      if a % 2 == 0 {
        var s = 0
        while s + 4 <= m {
          measureFour(s)
          s += 4
        }
        while s < m {
          measured[s] = NeighbourDistance.squared(xp, row(s), n)
          s += 1
        }
      } else {
        var s = m
        while s >= 4 {
          s -= 4
          measureFour(s)
        }
        while s > 0 {
          s -= 1
          measured[s] = NeighbourDistance.squared(xp, row(s), n)
        }
      }
      for s in 0..<m { offer(p, others[s], measured[s]) }
    }
  }
}

/// A candidate pair offered to one list by the local join.
struct JoinOffer {
  var target: Int32
  var other: Int32
  var distance: Float
}

/// A growable buffer of offers without Array's per-append checks (the join appends hundreds
/// of millions per search); freed explicitly.
struct JoinOffers {
  private(set) var base = UnsafeMutablePointer<JoinOffer>.allocate(capacity: 1024)
  private(set) var count = 0
  private var capacity = 1024

  @inline(__always) mutating func append(_ offer: JoinOffer) {
    if count == capacity { grow() }
    base[count] = offer
    count += 1
  }

  mutating func removeAll() { count = 0 }

  private mutating func grow() {
    let larger = UnsafeMutablePointer<JoinOffer>.allocate(capacity: 2 * capacity)
    larger.initialize(from: base, count: count)
    base.deallocate()
    (base, capacity) = (larger, 2 * capacity)
  }

  func free() { base.deallocate() }
}
