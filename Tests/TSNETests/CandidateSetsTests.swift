import Testing

@testable import TSNE

@Suite("NN-descent candidate sets")
struct CandidateSetsTests {
  /// The in-place selection against its definition: each point's forward entries, then the
  /// points that sampled it in point order when they fit, else the ones with the smallest
  /// priorities, ascending. Points 0 and 1 are sampled by nearly everyone (overflow); the rest
  /// by few (point order).
  @Test func reverseEdgesMatchTheirDefinition() {
    let (n, c, seed): (Int, Int, UInt64) = (300, 4, 99)
    var forward = [[Int32]](repeating: [], count: n)
    for i in 0..<n {
      let picks: [Int32] = [0, 1, Int32((i * 7 + 3) % n), Int32((i * 13 + 5) % n)]
      var seen = Set<Int32>()
      forward[i] = Array(picks.filter { $0 != Int32(i) && seen.insert($0).inserted }.prefix(i % (c + 1)))
    }
    var sets = CandidateSets(count: n, capacity: 2 * c)
    sets.writeForward { slots, stride in
      for i in 0..<n { for (t, v) in forward[i].enumerated() { slots[i * stride + t] = v } }
    }
    sets.addReverseEdges(seed: seed)
    func priority(_ v: Int, _ w: Int32) -> UInt64 {
      NeighbourDescent.mix(seed, UInt64(v) << 32 | UInt64(w)) & ~0xFFFF_FFFF | UInt64(w)
    }
    var overflowed = 0
    sets.withBuffers { buffers in
      for v in 0..<n {
        let incoming = (0..<n).filter { forward[$0].contains(Int32(v)) }.map { Int32($0) }
        let room = 2 * c - forward[v].count
        if incoming.count > room { overflowed += 1 }
        let reverse =
          incoming.count <= room
          ? incoming : Array(incoming.sorted { priority(v, $0) < priority(v, $1) }.prefix(room))
        #expect(Array(buffers.members(of: v)) == forward[v] + reverse, "point \(v)")
      }
    }
    #expect(overflowed >= 2)
  }
}
