import Foundation
import Tensor
import Testing

@Suite("FFT")
struct FFTTests {
  /// The definition, in Double: X[u] = sum_t x[t] e^(-+2 pi i t u / n).
  func directDFT(_ re: [Double], _ im: [Double], inverse: Bool) -> ([Double], [Double]) {
    let n = re.count
    let sign = inverse ? 1.0 : -1.0
    var outRe = [Double](repeating: 0, count: n)
    var outIm = [Double](repeating: 0, count: n)
    for u in 0..<n {
      for t in 0..<n {
        let angle = sign * 2 * Double.pi * Double((t * u) % n) / Double(n)
        outRe[u] += re[t] * cos(angle) - im[t] * sin(angle)
        outIm[u] += re[t] * sin(angle) + im[t] * cos(angle)
      }
    }
    return (outRe, outIm)
  }

  func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var random = RandomGenerator(seed: seed)
    return (0..<count).map { _ in Float(random.nextNormal()) }
  }

  /// Batches of 3 run the butterflies one lane at a time; 24 runs them 16 and then 8 wide, 21
  /// 16 wide and then one at a time (a strip of a 2-D transform is 16 wide).
  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 16, 30, 33, 49, 64, 100, 120, 129, 300])
  func batchedTransformMatchesTheDirectSum(size: Int) {
    for batch in [3, 24, 21] { batchedTransformMatchesTheDirectSum(size: size, batch: batch) }
  }

  func batchedTransformMatchesTheDirectSum(size: Int, batch: Int) {
    let plan = FFTPlan(size: size)
    for inverse in [false, true] {
      var re = randomValues(size * batch, seed: UInt64(size))
      var im = randomValues(size * batch, seed: UInt64(size) + 99)
      let (inRe, inIm) = (re, im)
      var work = [Float](repeating: 0, count: 2 * size * batch)
      re.withUnsafeMutableBufferPointer { re in
        im.withUnsafeMutableBufferPointer { im in
          work.withUnsafeMutableBufferPointer { work in
            plan.transform(
              real: re.baseAddress!, imaginary: im.baseAddress!, batch: batch, inverse: inverse,
              work: work.baseAddress!)
          }
        }
      }
      for b in 0..<batch {
        let sequence = (0..<size).map { $0 * batch + b }
        let (expectedRe, expectedIm) = directDFT(
          sequence.map { Double(inRe[$0]) }, sequence.map { Double(inIm[$0]) }, inverse: inverse)
        // Float rounding grows like sqrt(n) log n times the values' size (about sqrt(n)).
        let tolerance = 2e-6 * Double(size) + 1e-5
        for (u, index) in sequence.enumerated() {
          #expect(
            abs(Double(re[index]) - expectedRe[u]) <= tolerance, "size \(size) \(batch) u \(u)")
          #expect(
            abs(Double(im[index]) - expectedIm[u]) <= tolerance, "size \(size) \(batch) u \(u)")
        }
      }
    }
  }

  @Test(arguments: [1, 4, 6, 25, 50, 64])
  func realTransformMatchesTheDirectSum(half: Int) {
    let input = randomValues(2 * half, seed: 5)
    let (re, im) = FFTPlan(size: half).realForward(input)
    let (expectedRe, expectedIm) = directDFT(
      input.map(Double.init), [Double](repeating: 0, count: 2 * half), inverse: false)
    #expect(re.count == half + 1)
    for u in 0...half {
      #expect(abs(Double(re[u]) - expectedRe[u]) <= 1e-4 * Double(half + 1), "u \(u)")
      #expect(abs(Double(im[u]) - expectedIm[u]) <= 1e-4 * Double(half + 1), "u \(u)")
    }
  }

  @Test func twoDimensionalRoundTripAndOneEntry() {
    let (rows, columns) = (6, 10)
    let plan = FFTPlan2D(rows: rows, columns: columns)
    var re = randomValues(rows * columns, seed: 1)
    var im = randomValues(rows * columns, seed: 2)
    let (inRe, inIm) = (re, im)
    func run(inverse: Bool) {
      re.withUnsafeMutableBufferPointer { re in
        im.withUnsafeMutableBufferPointer { im in
          plan.transform(real: re.baseAddress!, imaginary: im.baseAddress!, inverse: inverse)
        }
      }
    }
    run(inverse: false)
    // Coefficient (u, v) = sum_{r,c} x[r, c] e^(-2 pi i (r u / rows + c v / columns)).
    let (u, v) = (2, 7)
    var expected = (0.0, 0.0)
    for r in 0..<rows {
      for c in 0..<columns {
        let angle = -2 * Double.pi * (Double(r * u) / Double(rows) + Double(c * v) / Double(columns))
        let (a, b) = (Double(inRe[r * columns + c]), Double(inIm[r * columns + c]))
        expected.0 += a * cos(angle) - b * sin(angle)
        expected.1 += a * sin(angle) + b * cos(angle)
      }
    }
    #expect(abs(Double(re[u * columns + v]) - expected.0) < 1e-4)
    #expect(abs(Double(im[u * columns + v]) - expected.1) < 1e-4)
    run(inverse: true)
    let scale = Float(rows * columns)
    for k in 0..<(rows * columns) {
      #expect(abs(re[k] / scale - inRe[k]) < 1e-5 && abs(im[k] / scale - inIm[k]) < 1e-5)
    }
  }

  /// Grids of several strips (and a narrower last one), zero-padded as the t-SNE repulsion
  /// pads them: skipping the zero columns on the way in, and computing only the needed columns
  /// on the way out, gives what the full transforms give; and the same on 1 and 2 threads.
  @Test(arguments: [(40, 40, 20), (36, 50, 17), (7, 33, 5)])
  func restrictedTransformsMatchTheFullOnes(rows: Int, columns: Int, used: Int) {
    let plan = FFTPlan2D(rows: rows, columns: columns)
    var re = randomValues(rows * columns, seed: 3)
    var im = randomValues(rows * columns, seed: 4)
    for r in 0..<rows {
      for c in used..<columns {
        re[r * columns + c] = 0
        im[r * columns + c] = 0
      }
    }
    func transformed(
      _ re: [Float], _ im: [Float], inverse: Bool, input: Int? = nil, output: Int? = nil,
      threads: Int = 2
    ) -> ([Float], [Float]) {
      var (re, im) = (re, im)
      ComputeSettings.withThreadCount(threads) {
        re.withUnsafeMutableBufferPointer { re in
          im.withUnsafeMutableBufferPointer { im in
            plan.transform(
              real: re.baseAddress!, imaginary: im.baseAddress!, inverse: inverse,
              inputColumns: input, outputColumns: output)
          }
        }
      }
      return (re, im)
    }
    let full = transformed(re, im, inverse: false)
    // Against the definition at a few coefficients, inside and across the 16 x 16 tiles.
    for (u, v) in [(0, 0), (1, columns - 1), (rows - 1, 3), (rows / 2, columns / 2 + 1)] {
      var expected = (0.0, 0.0)
      for r in 0..<rows {
        for c in 0..<columns {
          let angle =
            -2 * Double.pi * (Double(r * u) / Double(rows) + Double(c * v) / Double(columns))
          let (a, b) = (Double(re[r * columns + c]), Double(im[r * columns + c]))
          expected.0 += a * cos(angle) - b * sin(angle)
          expected.1 += a * sin(angle) + b * cos(angle)
        }
      }
      let k = u * columns + v
      #expect(abs(Double(full.0[k]) - expected.0) < 1e-3, "(\(u), \(v))")
      #expect(abs(Double(full.1[k]) - expected.1) < 1e-3, "(\(u), \(v))")
    }
    #expect(transformed(re, im, inverse: false, input: used) == full)
    #expect(transformed(re, im, inverse: false, input: used, threads: 1) == full)
    let back = transformed(full.0, full.1, inverse: true)
    let partial = transformed(full.0, full.1, inverse: true, output: used)
    #expect(transformed(full.0, full.1, inverse: true, output: used, threads: 1) == partial)
    let scale = Float(rows * columns)
    for r in 0..<rows {
      for c in 0..<used {
        let k = r * columns + c
        // The restricted inverse runs the rows first: the same values, rounded in another order.
        #expect(abs(back.0[k] / scale - re[k]) < 1e-5 && abs(back.1[k] / scale - im[k]) < 1e-5)
        #expect(
          abs(partial.0[k] / scale - re[k]) < 1e-5 && abs(partial.1[k] / scale - im[k]) < 1e-5)
      }
    }
  }

  @Test func smoothSizes() {
    #expect(FFTPlan.smoothSize(atLeast: 301) == 320)
    #expect(FFTPlan.smoothSize(atLeast: 300) == 300)
    #expect(!FFTPlan.isSmooth(7) && FFTPlan.isSmooth(1) && FFTPlan.isSmooth(1_215))
  }
}
