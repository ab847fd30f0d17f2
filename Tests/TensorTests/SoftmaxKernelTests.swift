import Foundation
import Testing
import TestSupport

@testable import Tensor

/// Softmax (or log-softmax) of one row in Double, max-subtracted.
private func naiveSoftmax(_ row: [Double], logarithm: Bool) -> [Double] {
  let m = row.max() ?? 0
  let logSum = Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
  return row.map { logarithm ? ($0 - m) - logSum : Foundation.exp(($0 - m) - logSum) }
}

/// Gradient of one row for upstream g, given the softmax probabilities p.
private func naiveBackward(_ p: [Double], _ g: [Double], logarithm: Bool) -> [Double] {
  if logarithm {
    let total = g.reduce(0, +)
    return zip(p, g).map { $1 - $0 * total }
  }
  let dot = zip(p, g).map(*).reduce(0, +)
  return zip(p, g).map { $0 * ($1 - dot) }
}

/// The elements of column (o, j) of an (outer, size, inner) view, as a row.
private func column(o: Int, j: Int, size: Int, inner: Int) -> [Int] {
  (0..<size).map { o * size * inner + $0 * inner + j }
}

@Suite struct SoftmaxKernelTests {
  static let sizes = [1, 7, 33, 129, 64]

  @Test(arguments: sizes, sizes)
  func rowKernelsMatchNaiveLoop(rows: Int, columns: Int) {
    let x = randomTensor([rows, columns], seed: UInt64(rows * 1000 + columns), scale: 3)
    let g = randomTensor([rows, columns], seed: 7)
    let initial = randomTensor([rows, columns], seed: 8)
    for logarithm in [false, true] {
      let y = TensorStorage(count: rows * columns, zeroed: false)
      SoftmaxKernel.forward(
        x.storage.pointer, y.pointer, rows: rows, columns: columns, logarithm: logarithm)
      let gx = initial.storage.copy()
      SoftmaxKernel.backward(
        y.pointer, g.storage.pointer, gx.pointer, rows: rows, columns: columns, logarithm: logarithm
      )
      var expectedY: [Float] = []
      var expectedGx: [Float] = []
      for r in 0..<rows {
        let range = (r * columns)..<((r + 1) * columns)
        let row = range.map { Double(x.scalars[$0]) }
        expectedY += naiveSoftmax(row, logarithm: logarithm).map(Float.init)
        let p = naiveSoftmax(row, logarithm: false)
        let grad = naiveBackward(p, range.map { Double(g.scalars[$0]) }, logarithm: logarithm)
        expectedGx += zip(range, grad).map { Float(Double(initial.scalars[$0]) + $1) }
      }
      expectClose(y.array, expectedY, absolute: 2e-6, relative: 2e-6)
      expectClose(gx.array, expectedGx, absolute: 1e-5, relative: 1e-5)
    }
  }

  @Test(arguments: [(1, 7, 33), (3, 33, 7), (2, 129, 16), (2, 1, 17), (5, 64, 1), (1, 7, 129)])
  func stridedKernelsMatchNaiveLoop(outer: Int, size: Int, inner: Int) {
    let count = outer * size * inner
    let x = randomTensor([count], seed: UInt64(count), scale: 3)
    let g = randomTensor([count], seed: 11)
    let initial = randomTensor([count], seed: 12)
    for logarithm in [false, true] {
      let y = TensorStorage(count: count, zeroed: false)
      SoftmaxKernel.forward(
        x.storage.pointer, y.pointer, outer: outer, size: size, inner: inner, logarithm: logarithm)
      let gx = initial.storage.copy()
      SoftmaxKernel.backward(
        y.pointer, g.storage.pointer, gx.pointer, outer: outer, size: size, inner: inner,
        logarithm: logarithm)
      var expectedY = [Float](repeating: 0, count: count)
      var expectedGx = initial.scalars
      for o in 0..<outer {
        for j in 0..<inner {
          let indices = column(o: o, j: j, size: size, inner: inner)
          let row = indices.map { Double(x.scalars[$0]) }
          let values = naiveSoftmax(row, logarithm: logarithm)
          let grad = naiveBackward(
            naiveSoftmax(row, logarithm: false), indices.map { Double(g.scalars[$0]) },
            logarithm: logarithm)
          for (k, index) in indices.enumerated() {
            expectedY[index] = Float(values[k])
            expectedGx[index] += Float(grad[k])
          }
        }
      }
      expectClose(y.array, expectedY, absolute: 2e-6, relative: 2e-6)
      expectClose(gx.array, expectedGx, absolute: 1e-5, relative: 1e-5)
    }
  }

  @Test func largeMagnitudesStayFinite() {
    let (rows, columns) = (7, 129)
    let x = randomTensor([rows, columns], seed: 21, scale: 1000)
    for logarithm in [false, true] {
      let y = TensorStorage(count: rows * columns, zeroed: false)
      SoftmaxKernel.forward(
        x.storage.pointer, y.pointer, rows: rows, columns: columns, logarithm: logarithm)
      #expect(y.array.allSatisfy { $0.isFinite })
      var expected: [Float] = []
      for r in 0..<rows {
        let row = (0..<columns).map { Double(x.scalars[r * columns + $0]) }
        expected += naiveSoftmax(row, logarithm: logarithm).map(Float.init)
      }
      expectClose(y.array, expected, absolute: 1e-6, relative: 1e-6)
      if !logarithm {
        for r in 0..<rows {
          let sum = (0..<columns).map { Double(y.pointer[r * columns + $0]) }.reduce(0, +)
          #expect(Swift.abs(sum - 1) < 1e-5)
        }
      }
    }
    // ±1000 along a strided axis too.
    let strided = try! Tensor(shape: [1, 3, 2], values: [1000, -1000, -1000, 1000, 999, 0])
    let y = TensorStorage(count: 6, zeroed: false)
    SoftmaxKernel.forward(strided.storage.pointer, y.pointer, outer: 1, size: 3, inner: 2)
    expectClose(
      y.array,
      [Float(1 / (1 + Foundation.exp(-1.0))), 0, 0, 1, Float(1 / (1 + Foundation.exp(1.0))), 0],
      absolute: 1e-5, relative: 1e-5)
  }

  @Test func maskedEntriesAndFullyMaskedRows() {
    let x: [Float] = [0, -.infinity, 1, -.infinity, -.infinity, -.infinity, -.infinity, -.infinity]
    let input = try! Tensor(shape: [2, 4], values: x)
    let y = TensorStorage(count: 8, zeroed: false)
    SoftmaxKernel.forward(input.storage.pointer, y.pointer, rows: 2, columns: 4)
    let e = Float(Foundation.exp(1.0))
    expectClose(
      y.array, [1 / (1 + e), 0, e / (1 + e), 0, 0, 0, 0, 0], absolute: 1e-5, relative: 1e-5)
    SoftmaxKernel.forward(input.storage.pointer, y.pointer, rows: 2, columns: 4, logarithm: true)
    #expect(y.array[1] == -.infinity && y.array[4...].allSatisfy { $0 == -.infinity })
    #expect(!y.array.contains { $0.isNaN })
    // The strided kernel treats a fully masked column the same way.
    SoftmaxKernel.forward(input.storage.pointer, y.pointer, outer: 1, size: 2, inner: 4)
    #expect(y.array == [1, 0, 1, 0, 0, 0, 0, 0])
  }

  @Test func resultsDoNotDependOnThreadCount() {
    func run(_ threads: Int) -> [[Float]] {
      ComputeSettings.withThreadCount(threads) {
        var results: [[Float]] = []
        for (outer, size, inner) in [(256, 257, 1), (4, 65, 257)] {
          let count = outer * size * inner
          let x = randomTensor([count], seed: 41, scale: 4)
          let g = randomTensor([count], seed: 42)
          for logarithm in [false, true] {
            let y = TensorStorage(count: count, zeroed: false)
            let gx = TensorStorage(count: count, zeroed: true)
            if inner == 1 {
              SoftmaxKernel.forward(
                x.storage.pointer, y.pointer, rows: outer, columns: size, logarithm: logarithm)
              SoftmaxKernel.backward(
                y.pointer, g.storage.pointer, gx.pointer, rows: outer, columns: size,
                logarithm: logarithm)
            } else {
              SoftmaxKernel.forward(
                x.storage.pointer, y.pointer, outer: outer, size: size, inner: inner,
                logarithm: logarithm)
              SoftmaxKernel.backward(
                y.pointer, g.storage.pointer, gx.pointer, outer: outer, size: size, inner: inner,
                logarithm: logarithm)
            }
            results += [y.array, gx.array]
          }
        }
        return results
      }
    }
    let single = run(1)
    let double = run(2)
    #expect(single.count == double.count)
    for (a, b) in zip(single, double) {
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }
  }
}
