import Tensor
import Testing

@testable import TSNE

/// The interpolation weights eight points at a time against the scalar ones, and the pieces
/// they use (the 8 x 8 transpose, the weights' autocorrelation) against naive loops.
@Suite("Interpolation weights")
struct InterpolationWeightsTests {
  /// Coordinates over a grid of `boxCount` boxes from `origin`: inside, on box edges, at and
  /// past both ends of the grid.
  static func values(origin: Float, boxWidth: Float, boxCount: Int) -> [Float] {
    var generator = RandomGenerator(seed: 23)
    let end = origin + boxWidth * Float(boxCount)
    var values = (0..<203).map { _ in Float.random(in: origin..<end, using: &generator) }
    values += [origin, end, origin - 1, end + 1, origin + boxWidth, origin + 2.5 * boxWidth]
    values += [end - 1e-4, origin + 1e-6, -0.0, 0, origin.nextDown, end.nextUp]
    return values
  }

  /// Every node count 1...8: the same bits as `weights(at:)`, zeros past p, the same boxes.
  @Test func eightAtATimeMatchesTheScalarWeights() {
    let (origin, boxWidth, boxCount): (Float, Float, Int) = (-7.25, 0.37, 36)
    let values = Self.values(origin: origin, boxWidth: boxWidth, boxCount: boxCount)
    for p in 1...InterpolationGrid.lanes {
      let inverse = InterpolationGrid.inverseDenominators[p]
      for first in stride(from: 0, to: values.count - 7, by: 8) {
        var eight = InterpolationGrid.Lanes()
        for lane in 0..<8 { eight[lane] = values[first + lane] }
        var vector = [Float](repeating: .nan, count: 8 * 16)
        let boxes = InterpolationGrid.weights(
          atEight: eight, origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p,
          inverse: inverse, into: &vector, stride: 16)
        for lane in 0..<8 {
          var scalar = [Float](repeating: 0, count: 8)
          let box = InterpolationGrid.weights(
            at: eight[lane], origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p,
            into: &scalar)
          #expect(Int(boxes[lane]) == box, "p \(p), value \(eight[lane])")
          for t in 0..<8 {
            #expect(
              vector[16 * lane + t].bitPattern == scalar[t].bitPattern,
              "p \(p), value \(eight[lane]), node \(t): \(vector[16 * lane + t]) vs \(scalar[t])")
          }
          #expect(vector[16 * lane + 8].isNaN, "wrote past the point's eight weights")
        }
      }
    }
  }

  /// `locate` over 8 k + 5 points (whole groups and a scalar tail), on 1 and 2 threads:
  /// each point's weights and boxes as the scalar function gives them.
  @Test func locateMatchesThePerPointWeights() {
    let (origin, boxWidth, boxCount, p): (Float, Float, Int, Int) = (-3, 0.5, 36, 6)
    let xs = Self.values(origin: origin, boxWidth: boxWidth, boxCount: boxCount)
    let ys = Array(xs.reversed())
    let n = xs.count
    #expect(n % 8 != 0)
    for threads in [1, 2] {
      ComputeSettings.withThreadCount(threads) {
        var weights = [Float](repeating: .nan, count: 16 * n)
        var cells = [Int32](repeating: -1, count: 2 * n)
        var scratch = [Float](repeating: 0, count: 16)
        weights.withUnsafeMutableBufferPointer { w in
          cells.withUnsafeMutableBufferPointer { c in
            scratch.withUnsafeMutableBufferPointer { s in
              let grid = InterpolationGrid(
                count: n, nodesPerBox: p, boxCount: boxCount, boxWidth: boxWidth, origin: origin,
                centre: 0, radius: 1, size: 2, plan: FFTPlan2D(rows: 2, columns: 2),
                kernel: s.baseAddress!, scratch: s.baseAddress!, weights: w.baseAddress!,
                cells: c.baseAddress!)
              grid.locate(xs: xs, ys: ys)
            }
          }
        }
        for i in 0..<n {
          for (axis, value) in [xs[i], ys[i]].enumerated() {
            var scalar = [Float](repeating: 0, count: 8)
            let box = InterpolationGrid.weights(
              at: value, origin: origin, boxWidth: boxWidth, boxCount: boxCount, p: p,
              into: &scalar)
            #expect(Int(cells[2 * i + axis]) == box, "point \(i), axis \(axis)")
            let stored = Array(weights[(16 * i + 8 * axis)..<(16 * i + 8 * axis + 8)])
            #expect(
              stored.map(\.bitPattern) == scalar.map(\.bitPattern),
              "point \(i), axis \(axis), \(threads) threads: \(stored) vs \(scalar)")
          }
        }
      }
    }
  }

  @Test func transposeSwapsRowsAndColumns() {
    typealias L = InterpolationGrid.Lanes
    var rows = [L](repeating: L(), count: 8)
    for r in 0..<8 { for c in 0..<8 { rows[r][c] = Float(10 * r + c) } }
    let t = InterpolationGrid.transposed(
      (rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7]))
    let columns = [t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7]
    for r in 0..<8 { for c in 0..<8 { #expect(columns[c][r] == Float(10 * r + c)) } }
  }

  /// c_d = sum_t w_t w_{t+d} against a naive loop in Double, for weights with zeros past p.
  @Test func autocorrelationMatchesTheNaiveSums() {
    var generator = RandomGenerator(seed: 5)
    for p in 1...8 {
      // The weights, then 8 floats that the shifted loads read and must mask off.
      var memory = [Float](repeating: 0, count: 16)
      for t in 0..<p { memory[t] = Float.random(in: -1.5...1.5, using: &generator) }
      for t in 8..<16 { memory[t] = Float.random(in: 10...20, using: &generator) }
      let w = InterpolationGrid.Lanes(memory[0..<8])
      let c = memory.withUnsafeBufferPointer {
        InterpolationGrid.autocorrelation($0.baseAddress!, nodes: p)
      }
      for d in 0..<8 {
        var naive = 0.0
        for t in 0..<(8 - d) { naive += Double(w[t]) * Double(w[t + d]) }
        #expect(abs(Double(c[d]) - naive) < 1e-5, "p \(p), d \(d): \(c[d]) vs \(naive)")
        if d >= p { #expect(c[d] == 0) }
      }
    }
  }
}
