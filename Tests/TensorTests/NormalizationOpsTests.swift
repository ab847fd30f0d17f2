import Foundation
import Testing
import TestSupport

@testable import Tensor

/// Applies `rowFunction` to every 1-D slice along `axis` of x (row-major), in Double.
private func alongAxis(_ x: Tensor, axis: Int, _ rowFunction: ([Double]) -> [Double]) -> [Float] {
  let (outer, size, inner) = x.shape.split(at: axis)
  var result = [Float](repeating: 0, count: x.count)
  for o in 0..<outer {
    for j in 0..<inner {
      let indices = (0..<size).map { o * size * inner + $0 * inner + j }
      let values = rowFunction(indices.map { Double(x.scalars[$0]) })
      for (k, index) in indices.enumerated() { result[index] = Float(values[k]) }
    }
  }
  return result
}

private func naiveLogSoftmax(_ row: [Double]) -> [Double] {
  let m = row.max()!
  let logSum = Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
  return row.map { ($0 - m) - logSum }
}

private func naiveL2Normalize(_ row: [Double], epsilon: Double) -> [Double] {
  let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
  return row.map { $0 / max(norm, epsilon) }
}

@Suite struct NormalizationOpsTests {
  @Test(arguments: [0, 1, 2, -1, -2])
  func valuesAlongEveryAxis(axis: Int) throws {
    let x = randomTensor([3, 4, 5], seed: 51, scale: 3)
    let resolved = axis < 0 ? axis + 3 : axis
    expectClose(
      try x.softmax(axis: axis).scalars,
      alongAxis(x, axis: resolved) { naiveLogSoftmax($0).map { Foundation.exp($0) } },
      absolute: 1e-5, relative: 1e-5)
    expectClose(
      try x.logSoftmax(axis: axis).scalars, alongAxis(x, axis: resolved, naiveLogSoftmax),
      absolute: 1e-5, relative: 1e-5)
    expectClose(
      try x.l2Normalized(axis: axis).scalars,
      alongAxis(x, axis: resolved) { naiveL2Normalize($0, epsilon: 1e-12) },
      absolute: 1e-5, relative: 1e-5)
  }

  @Test(arguments: [
    ([3, 4, 5], 0), ([3, 4, 5], 1), ([3, 4, 5], -1), ([7], 0), ([2, 33], -1), ([33, 2], 0),
  ])
  func gradients(shape: [Int], axis: Int) throws {
    let x = randomTensor(shape, seed: 52)
    try checkGradients([x]) { try $0[0].softmax(axis: axis) }
    try checkGradients([x]) { try $0[0].logSoftmax(axis: axis) }
    try checkGradients([x]) { try $0[0].l2Normalized(axis: axis) }
  }

  @Test func gradientsAccumulateWhenAnInputIsUsedTwice() throws {
    let x = randomTensor([4, 6], seed: 53)
    try checkGradients([x]) { try $0[0].softmax() * $0[0].logSoftmax(axis: 0) }
    try checkGradients([x]) { try $0[0].l2Normalized() + $0[0].softmax(axis: 0) }
  }

  @Test func l2NormalizeBelowEpsilonUsesConstantDenominator() throws {
    // Norms below epsilon = 10: y = x / 10 and the gradient is g / 10 (as torch's clamp_min).
    let small = randomTensor([3, 4], seed: 54, scale: 0.5)
    expectClose(
      try small.l2Normalized(epsilon: 10).scalars, small.scalars.map { $0 / 10 }, absolute: 1e-5,
      relative: 1e-5)
    try checkGradients([small]) { try $0[0].l2Normalized(epsilon: 10) }
    try checkGradients([small]) { try $0[0].l2Normalized(axis: 0, epsilon: 10) }
    // A zero vector stays zero (no NaN) with the default epsilon, on both kernel paths.
    let zeros = Tensor.zeros([2, 3])
    #expect(try zeros.l2Normalized().scalars == [0, 0, 0, 0, 0, 0])
    #expect(try zeros.l2Normalized(axis: 0).scalars == [0, 0, 0, 0, 0, 0])
  }

  @Test func largeMagnitudes() throws {
    let x = randomTensor([5, 33], seed: 55, scale: 1000)
    for axis in [0, 1] {
      let y = try x.softmax(axis: axis)
      let logY = try x.logSoftmax(axis: axis)
      #expect(y.scalars.allSatisfy(\.isFinite) && logY.scalars.allSatisfy(\.isFinite))
      expectClose(
        logY.scalars, alongAxis(x, axis: axis, naiveLogSoftmax), absolute: 1e-6, relative: 1e-6)
      expectClose(
        try x.l2Normalized(axis: axis).scalars,
        alongAxis(x, axis: axis) { naiveL2Normalize($0, epsilon: 1e-12) },
        absolute: 1e-5, relative: 1e-5)
    }
  }

  @Test func errorsAndEdgeShapes() throws {
    let x = randomTensor([2, 3], seed: 56)
    do {
      _ = try x.softmax(axis: 2)
      Issue.record("expected an error")
    } catch let error as TensorError {
      #expect(
        error.description == "softmax: axis 2 is out of range for a tensor of shape (2, 3) (rank 2)"
      )
    }
    #expect(throws: TensorError.self) { try x.logSoftmax(axis: -3) }
    #expect(throws: TensorError.self) { try x.l2Normalized(axis: 5) }
    #expect(throws: TensorError.self) { try x.l2Normalized(epsilon: .nan) }
    // A scalar is a row of one; an empty axis gives an empty result.
    #expect(try Tensor(scalar: 3).softmax().scalars == [1])
    #expect(try Tensor(scalar: 3).logSoftmax().scalars == [0])
    #expect(try Tensor.zeros([0, 4]).softmax().count == 0)
    #expect(try Tensor.zeros([4, 0]).softmax(axis: 0).count == 0)
    #expect(try Tensor.zeros([2, 0, 3]).l2Normalized(axis: 1).count == 0)
  }

  @Test func noGraphUnderNoGrad() throws {
    let x = randomTensor([3, 4], seed: 57).requiringGrad()
    let y = try noGrad { try x.softmax() }
    #expect(!y.requiresGrad && y.isLeaf)
    let z = try x.layerNorm(gamma: nil, beta: nil)
    #expect(z.requiresGrad)
  }
}
