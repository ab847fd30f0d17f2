import Testing

@testable import Tensor

@Suite struct RandomTests {
  @Test func knownStreamForSeed() {
    // Pinned values: a change here breaks reproducibility of every saved run.
    var rng = RandomGenerator(seed: 42)
    let first = (0..<3).map { _ in rng.next() }
    var again = RandomGenerator(seed: 42)
    #expect(first == (0..<3).map { _ in again.next() })
    #expect(first == RandomTests.pinnedSeed42)
  }

  /// From an independent Python implementation of SplitMix64 seeding and xoshiro256**.
  static let pinnedSeed42: [UInt64] = [1546998764402558742, 6990951692964543102, 12544586762248559009]

  @Test func uniformAndNormalMoments() {
    var rng = RandomGenerator(seed: 7)
    let n = 200_000
    var sum = 0.0, sumSquares = 0.0
    for _ in 0..<n {
      let x = rng.nextNormal()
      sum += x
      sumSquares += x * x
    }
    #expect(Swift.abs(sum / Double(n)) < 0.01)
    #expect(Swift.abs(sumSquares / Double(n) - 1) < 0.02)
    var u = 0.0
    for _ in 0..<n {
      let f = rng.nextFloat()
      #expect(f >= 0 && f < 1)
      u += Double(f)
    }
    #expect(Swift.abs(u / Double(n) - 0.5) < 0.005)
  }

  @Test func boundedIntegersAreUniform() {
    var rng = RandomGenerator(seed: 3)
    var counts = [Int](repeating: 0, count: 6)
    for _ in 0..<60_000 { counts[rng.nextInt(below: 6)] += 1 }
    #expect(counts.allSatisfy { Swift.abs($0 - 10_000) < 400 })
  }

  @Test func deterministicLogMatchesLibm() {
    for x in [1e-300, 1e-10, 0.01, 0.5, 0.7071, 1, 1.5, 2, 10, 1e10, 1e300] {
      let error = Swift.abs(DeterministicMath.log(x) - _log(x))
      #expect(error <= 4e-16 * Swift.max(1, Swift.abs(_log(x))), "log(\(x))")
    }
  }

  @Test func shuffleIsAPermutationAndSeeded() {
    var a = Array(0..<50), b = Array(0..<50)
    var r1 = RandomGenerator(seed: 9), r2 = RandomGenerator(seed: 9)
    r1.shuffle(&a)
    r2.shuffle(&b)
    #expect(a == b)
    #expect(a.sorted() == Array(0..<50))
    #expect(a != Array(0..<50))
  }
}

import Foundation

private func _log(_ x: Double) -> Double { Foundation.log(x) }
