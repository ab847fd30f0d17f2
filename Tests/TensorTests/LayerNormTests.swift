import Foundation
import Testing
import TestSupport

@testable import Tensor

/// Layer norm of rows x n in Double: y, mean, rstd, and for upstream g the gradients of x,
/// gamma and beta (gamma/beta nil means 1/0).
private struct NaiveLayerNorm {
  var y: [Double] = []
  var mean: [Double] = []
  var rstd: [Double] = []
  var gx: [Double] = []
  var gGamma: [Double]
  var gBeta: [Double]

  init(x: [Float], gamma: [Float]?, beta: [Float]?, g: [Float], rows: Int, n: Int, epsilon: Double)
  {
    gGamma = [Double](repeating: 0, count: n)
    gBeta = [Double](repeating: 0, count: n)
    for r in 0..<rows {
      let row = (0..<n).map { Double(x[r * n + $0]) }
      let gr = (0..<n).map { Double(g[r * n + $0]) }
      let mu = row.reduce(0, +) / Double(n)
      let variance = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(n)
      let s = 1 / (variance + epsilon).squareRoot()
      let xhat = row.map { ($0 - mu) * s }
      mean.append(mu)
      rstd.append(s)
      for j in 0..<n {
        y.append(xhat[j] * Double(gamma?[j] ?? 1) + Double(beta?[j] ?? 0))
        gGamma[j] += gr[j] * xhat[j]
        gBeta[j] += gr[j]
      }
      let dy = (0..<n).map { gr[$0] * Double(gamma?[$0] ?? 1) }
      let meanDy = dy.reduce(0, +) / Double(n)
      let meanDyXhat = zip(dy, xhat).map(*).reduce(0, +) / Double(n)
      gx += (0..<n).map { s * (dy[$0] - meanDy - xhat[$0] * meanDyXhat) }
    }
  }
}

@Suite struct LayerNormTests {
  static let sizes = [1, 7, 33, 129, 64]

  /// Runs the kernels on fresh buffers; gradients start from `start` to check accumulation.
  private func runKernels(
    x: Tensor, gamma: Tensor?, beta: Tensor?, g: Tensor, rows: Int, n: Int, epsilon: Float,
    start: Float = 0
  ) -> (y: [Float], mean: [Float], rstd: [Float], gx: [Float], gGamma: [Float], gBeta: [Float]) {
    let y = TensorStorage(count: rows * n, zeroed: false)
    let (mean, rstd) = (TensorStorage(count: rows), TensorStorage(count: rows))
    LayerNormKernel.forward(
      x.storage.pointer, gamma: gamma?.storage.pointer, beta: beta?.storage.pointer, y.pointer,
      mean: mean.pointer, reciprocalStandardDeviation: rstd.pointer, rows: rows, columns: n,
      epsilon: epsilon)
    let gx = Tensor.full([rows, n], value: start).storage
    let (gGamma, gBeta) = (
      Tensor.full([n], value: start).storage, Tensor.full([n], value: start).storage
    )
    LayerNormKernel.backward(
      x.storage.pointer, gamma: gamma?.storage.pointer, mean: mean.pointer,
      reciprocalStandardDeviation: rstd.pointer, g.storage.pointer, gx: gx.pointer,
      gGamma: gGamma.pointer, gBeta: gBeta.pointer, rows: rows, columns: n)
    return (y.array, mean.array, rstd.array, gx.array, gGamma.array, gBeta.array)
  }

  @Test(arguments: sizes, sizes)
  func kernelsMatchNaiveLoop(rows: Int, n: Int) {
    let x = randomTensor([rows, n], seed: UInt64(rows * 1000 + n), scale: 2, offset: 0.5)
    let gamma = randomTensor([n], seed: 2, scale: 0.5, offset: 1)
    let beta = randomTensor([n], seed: 3)
    let g = randomTensor([rows, n], seed: 4)
    for (gammaOrNil, betaOrNil) in [(gamma, beta), (nil, nil)] as [(Tensor?, Tensor?)] {
      let result = runKernels(
        x: x, gamma: gammaOrNil, beta: betaOrNil, g: g, rows: rows, n: n, epsilon: 1e-5, start: 0.25
      )
      let naive = NaiveLayerNorm(
        x: x.scalars, gamma: gammaOrNil?.scalars, beta: betaOrNil?.scalars, g: g.scalars,
        rows: rows,
        n: n, epsilon: 1e-5)
      expectClose(result.y, naive.y.map(Float.init), absolute: 1e-5, relative: 1e-5)
      expectClose(result.mean, naive.mean.map(Float.init), absolute: 1e-6, relative: 1e-6)
      expectClose(result.rstd, naive.rstd.map(Float.init), absolute: 1e-5, relative: 1e-5)
      expectClose(result.gx, naive.gx.map { Float($0 + 0.25) }, absolute: 1e-4, relative: 1e-4)
      // Sums over up to 129 rows: compare relative to the size of the sum.
      expectClose(
        result.gGamma, naive.gGamma.map { Float($0 + 0.25) }, absolute: 2e-5, relative: 2e-5)
      expectClose(
        result.gBeta, naive.gBeta.map { Float($0 + 0.25) }, absolute: 2e-5, relative: 2e-5)
    }
  }

  @Test func largeMagnitudesAndBERTEpsilon() {
    let (rows, n) = (7, 129)
    let x = randomTensor([rows, n], seed: 9, scale: 1000, offset: 500)
    let g = randomTensor([rows, n], seed: 10)
    for epsilon: Float in [1e-5, 1e-12] {
      let result = runKernels(x: x, gamma: nil, beta: nil, g: g, rows: rows, n: n, epsilon: epsilon)
      #expect(result.y.allSatisfy(\.isFinite) && result.gx.allSatisfy(\.isFinite))
      let naive = NaiveLayerNorm(
        x: x.scalars, gamma: nil, beta: nil, g: g.scalars, rows: rows, n: n,
        epsilon: Double(epsilon))
      expectClose(result.y, naive.y.map(Float.init), absolute: 1e-5, relative: 1e-5)
      // rstd ~ 1e-3 here, so gx is ~1e-3: compare relative to that scale.
      expectClose(
        result.gx.map { $0 * 1000 }, naive.gx.map { Float($0 * 1000) }, absolute: 1e-4,
        relative: 1e-4)
    }
    // A constant row has variance 0: y = beta, finite for any epsilon > 0.
    let constant = Tensor.full([2, 16], value: 1000)
    let result = runKernels(
      x: constant, gamma: nil, beta: nil, g: Tensor.ones([2, 16]), rows: 2, n: 16, epsilon: 1e-12)
    #expect(result.y.allSatisfy { $0 == 0 } && result.gx.allSatisfy(\.isFinite))
  }

  @Test func parameterGradientsDoNotDependOnThreadCount() {
    let (rows, n) = (300, 129)  // 10 blocks of 32 rows, split over two threads
    let x = randomTensor([rows, n], seed: 5)
    let gamma = randomTensor([n], seed: 6)
    let beta = randomTensor([n], seed: 7)
    let g = randomTensor([rows, n], seed: 8)
    let one = ComputeSettings.withThreadCount(1) {
      runKernels(x: x, gamma: gamma, beta: beta, g: g, rows: rows, n: n, epsilon: 1e-5)
    }
    let two = ComputeSettings.withThreadCount(2) {
      runKernels(x: x, gamma: gamma, beta: beta, g: g, rows: rows, n: n, epsilon: 1e-5)
    }
    for (a, b) in [
      (one.y, two.y), (one.gx, two.gx), (one.gGamma, two.gGamma), (one.gBeta, two.gBeta),
    ] {
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }
  }

  @Test(arguments: [[1, 7], [4, 7], [2, 3, 16], [3, 33]])
  func opGradients(shape: [Int]) throws {
    let n = shape.last!
    let x = randomTensor(shape, seed: 13)
    let gamma = randomTensor([n], seed: 14, scale: 0.5, offset: 1)
    let beta = randomTensor([n], seed: 15)
    try checkGradients([x, gamma, beta]) { try $0[0].layerNorm(gamma: $0[1], beta: $0[2]) }
    try checkGradients([x]) { try $0[0].layerNorm(gamma: nil, beta: nil, epsilon: 1e-12) }
    try checkGradients([x, gamma]) { try $0[0].layerNorm(gamma: $0[1], beta: nil) }
    // Only the parameters require gradients (the input is a constant).
    let constant = x.copied()
    try checkGradients([gamma, beta]) { try constant.layerNorm(gamma: $0[0], beta: $0[1]) }
  }

  @Test func opMatchesKernelAndValidatesArguments() throws {
    let x = randomTensor([3, 5], seed: 16)
    let y = try x.layerNorm(gamma: nil, beta: nil)
    let naive = NaiveLayerNorm(
      x: x.scalars, gamma: nil, beta: nil, g: x.scalars, rows: 3, n: 5, epsilon: 1e-5)
    expectClose(y.scalars, naive.y.map(Float.init), absolute: 1e-5, relative: 1e-5)
    #expect(y.shape == x.shape)

    do {
      _ = try x.layerNorm(gamma: Tensor.ones([4]), beta: nil)
      Issue.record("expected an error")
    } catch let error as TensorError {
      #expect(
        error.description == "layerNorm: input (3, 5) and gamma (4): gamma must have shape (5)")
    }
    #expect(throws: TensorError.self) { try x.layerNorm(gamma: nil, beta: Tensor.ones([5, 1])) }
    #expect(throws: TensorError.self) { try Tensor(scalar: 1).layerNorm(gamma: nil, beta: nil) }
    #expect(throws: TensorError.self) { try x.layerNorm(gamma: nil, beta: nil, epsilon: -1) }
  }
}
