import Tensor
import Testing

@testable import TSNE

@Suite("Approximate neighbours: distance kernels")
struct NeighbourDistanceTests {
  /// Five seeded rows of n columns: a, then b0...b3.
  static func rows(_ n: Int, seed: UInt64) -> [Float] {
    var random = RandomGenerator(seed: seed)
    return (0..<(5 * n)).map { _ in Float(random.nextInt(below: 20_001) - 10_000) / 1_000 }
  }

  static func fourRows<R>(
    _ values: [Float], _ n: Int,
    _ body: (UnsafePointer<Float>, [UnsafePointer<Float>]) -> R
  ) -> R {
    values.withUnsafeBufferPointer { x in
      let base = x.baseAddress!
      return body(base, (1...4).map { base + $0 * n })
    }
  }

  static func onePair(_ values: [Float], _ n: Int) -> SIMD4<Float> {
    fourRows(values, n) { a, b in
      SIMD4((0..<4).map { NeighbourDistance.squared(a, b[$0], n) })
    }
  }

  @Test(arguments: [1, 7, 8, 16, 33, 64, 96, 128, 129])
  func fourRowFormsHaveTheOnePairBits(n: Int) {
    let values = Self.rows(n, seed: UInt64(n))
    let expected = Self.onePair(values, n)
    Self.fourRows(values, n) { a, b in
      #expect(NeighbourDistance.squared(a, b[0], b[1], b[2], b[3], n) == expected)
      // Symmetric to the bit: a pair's distance is the same whichever side measures it (the
      // local join's filter of known pairs relies on it).
      for i in 0..<4 { #expect(NeighbourDistance.squared(b[i], a, n) == expected[i]) }
    }
  }
}

@Suite("Approximate neighbours: the local join's offers")
struct LocalJoinOfferTests {
  struct Offer: Equatable {
    var target: Int32
    var other: Int32
    var distance: Float
  }

  /// gatherOffers reads every other p's candidates backwards (for the cache); its offers must
  /// still be those of the plain loops, in their order, with the one-pair distances' bits.
  @Test(arguments: [(6, 0), (9, 7), (13, 10), (2, 9)])
  func offersAreThoseOfThePlainLoopsInTheirOrder(newCount: Int, oldCount: Int) {
    let (count, n) = (40, 33)
    var random = RandomGenerator(seed: UInt64(newCount * 100 + oldCount))
    let data = (0..<(count * n)).map { _ in Float(random.nextInt(below: 2001) - 1000) / 100 }
    // Distinct candidates; limits that let about half of the pairs through.
    let members = (0..<count).map { Int32($0) }.shuffled(using: &random)
    let new = Array(members[0..<newCount])
    let old = Array(members[newCount..<(newCount + oldCount)])
    let limit = (0..<count).map { _ in Float(random.nextInt(below: 800) + 1800) }
    var expected: [Offer] = []
    data.withUnsafeBufferPointer { x in
      func distance(_ p: Int32, _ q: Int32) -> Float {
        NeighbourDistance.squared(x.baseAddress! + Int(p) * n, x.baseAddress! + Int(q) * n, n)
      }
      for a in 0..<new.count {
        for q in Array(new[(a + 1)...]) + old {
          let (p, d) = (new[a], distance(new[a], q))
          if d <= limit[Int(p)] { expected.append(Offer(target: p, other: q, distance: d)) }
          if d <= limit[Int(q)] { expected.append(Offer(target: q, other: p, distance: d)) }
        }
      }
    }
    var heaps = NeighbourHeaps(count: count, k: 3)
    var offers: [Offer] = []
    data.withUnsafeBufferPointer { x in
      heaps.withRows { indices, distances, isNew in
        let space = NeighbourSpace(
          data: x.baseAddress!, count: count, dimensions: n, k: 3, indices: indices,
          distances: distances, isNew: isNew, monitor: .none)
        let others = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        let measured = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer {
          others.deallocate()
          measured.deallocate()
        }
        new.withUnsafeBufferPointer { new in
          old.withUnsafeBufferPointer { old in
            limit.withUnsafeBufferPointer { limit in
              space.gatherOffers(
                new: new, old: old, limit: limit.baseAddress!, others: others, measured: measured
              ) { offers.append(Offer(target: $0, other: $1, distance: $2)) }
            }
          }
        }
      }
    }
    #expect(expected.count > 10)
    #expect(offers == expected)
  }
}
