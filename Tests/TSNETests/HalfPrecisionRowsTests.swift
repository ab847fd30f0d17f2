import Tensor
import Testing

@testable import TSNE

@Suite("Approximate neighbours: Float16 rows")
struct HalfPrecisionRowsTests {
  /// Five seeded rows of n columns around an offset of 300 (the centring removes it).
  static func rows(_ n: Int, seed: UInt64) -> HalfPrecisionRows {
    var random = RandomGenerator(seed: seed)
    let data = (0..<(5 * n)).map { _ in 300 + Float(random.nextInt(below: 20_001) - 10_000) / 1_000 }
    return data.withUnsafeBufferPointer {
      HalfPrecisionRows(data: $0.baseAddress!, count: 5, dimensions: n)
    }
  }

  @Test(arguments: [1, 7, 8, 16, 33, 64, 96, 128, 129])
  func fourRowFormHasTheOnePairBits(n: Int) {
    let rows = Self.rows(n, seed: UInt64(n))
    defer { rows.deallocate() }
    let expected = SIMD4((1...4).map { rows.squared(0, $0) })
    let fourRows = NeighbourDistance.squared(
      rows.row(0), rows.row(1), rows.row(2), rows.row(3), rows.row(4), stride: rows.stride)
    #expect(fourRows == expected)
    for i in 1...4 { #expect(rows.squared(i, 0) == expected[i - 1]) }
  }

  /// Centred, scaled by a power of two into [2^13, 2^14), padded with zeros: the distances are
  /// the Float32 ones times scale^2 within Float16's rounding (each value within 4 / scale, its
  /// ulp being at most 8 in [2^13, 2^14), so each difference within e = 8 / scale, and the sum
  /// of squares within 2 e sum|diff| + n e^2 <= 2 e sqrt(n d) + n e^2).
  @Test(arguments: [1, 7, 33, 128, 129])
  func distancesAreTheScaledFloat32Ones(n: Int) {
    var random = RandomGenerator(seed: UInt64(n) + 50)
    let count = 40
    let data = (0..<(count * n)).map { _ in -50 + Float(random.nextInt(below: 2001)) / 100 }
    let rows = data.withUnsafeBufferPointer {
      HalfPrecisionRows(data: $0.baseAddress!, count: count, dimensions: n)
    }
    defer { rows.deallocate() }
    #expect(rows.stride % 16 == 0 && rows.stride >= n && rows.stride < n + 16)
    #expect(rows.scale == Float(sign: .plus, exponent: rows.scale.exponent, significand: 1))
    var largest: Float = 0
    for i in 0..<count {
      for d in 0..<rows.stride {
        let value = Float(rows.row(i)[d])
        if d >= n { #expect(value == 0) }
        largest = max(largest, abs(value))
      }
    }
    #expect(largest >= 8192 && largest <= 16384)
    let e = 8 / rows.scale
    data.withUnsafeBufferPointer { x in
      let x = x.baseAddress!
      for i in 0..<count {
        for j in 0..<count {
          let exact = NeighbourDistance.squared(x + i * n, x + j * n, n)
          let half = rows.squared(i, j) / (rows.scale * rows.scale)
          let bound = 2 * e * (Float(n) * exact).squareRoot() + Float(n) * e * e + 1e-5 * exact
          #expect(abs(half - exact) <= bound, "rows \(i), \(j)")
        }
      }
    }
  }
}
