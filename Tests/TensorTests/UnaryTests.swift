import Foundation
import Testing
import TestSupport

@testable import Tensor

@Suite struct UnaryTests {
  @Test(arguments: [[1], [7], [33], [4, 33]])
  func gradients(shape: [Int]) throws {
    let x = randomTensor(shape, seed: 31)
    let positive = randomTensor(shape, seed: 32, scale: 0.3, offset: 2)
    try checkGradients([x]) { $0[0].exp() }
    try checkGradients([positive]) { $0[0].log() }
    try checkGradients([positive]) { $0[0].sqrt() }
    try checkGradients([x]) { $0[0].tanh() }
    try checkGradients([x]) { $0[0].sigmoid() }
    try checkGradients([x]) { $0[0].gelu(.tanh) }
    try checkGradients([x]) { $0[0].gelu(.erf) }
    // Kinks (0 for relu and abs, ±0.5 for clamp) are kept away from the finite-difference step.
    let awayFromKinks = randomTensor(shape, seed: 33, scale: 0.05, offset: 1)
    try checkGradients([awayFromKinks]) { $0[0].relu() }
    try checkGradients([-awayFromKinks.detached()]) { $0[0].relu() }
    try checkGradients([awayFromKinks]) { $0[0].abs() }
    try checkGradients([awayFromKinks]) { $0[0].clamp(min: 0.5, max: 2) }
    try checkGradients([awayFromKinks]) { $0[0].clamp(min: 1.5) }
  }

  @Test func valuesMatchFoundation() throws {
    let values: [Float] = (0..<200).map { Float($0 - 100) * 0.173 }
    let x = Tensor(values)
    expectClose(x.exp().scalars, values.map { Foundation.exp($0) }, absolute: 3e-7, relative: 3e-7)
    expectClose(
      x.tanh().scalars, values.map { Foundation.tanh($0) }, absolute: 1e-6, relative: 1e-6)
    expectClose(
      x.sigmoid().scalars, values.map { 1 / (1 + Foundation.exp(-$0)) }, absolute: 1e-6,
      relative: 1e-6)
    let erfGELU = values.map { v -> Float in
      let cdf = 0.5 * (1 + Foundation.erf(Double(v) * 0.7071067811865476))
      return Float(Double(v) * cdf)
    }
    expectClose(x.gelu(.erf).scalars, erfGELU, absolute: 1e-6, relative: 1e-6)
    let tanhGELU = values.map { v -> Float in
      let u: Float = 0.7978845608 * (v + 0.044715 * v * v * v)
      return 0.5 * v * (1 + Foundation.tanh(u))
    }
    expectClose(x.gelu(.tanh).scalars, tanhGELU, absolute: 1e-6, relative: 1e-6)
    #expect(x.relu().scalars == values.map { Swift.max($0, 0) })
    #expect(x.clamp(min: -1, max: 2).scalars == values.map { Swift.min(Swift.max($0, -1), 2) })
  }

  @Test func erfAndNormalCDFMatchFoundation() {
    for i in 0..<800 {
      let x = Float(i - 400) * 0.0137
      #expect(Swift.abs(VectorMath.erf(x) - Float(Foundation.erf(Double(x)))) < 3e-7, "erf(\(x))")
      let cdf = VectorMath.normalCDF(VectorMath.Vector(repeating: x))[0]
      let reference = 0.5 * Foundation.erfc(-Double(x) * 0.7071067811865476)
      #expect(Swift.abs(Double(cdf) - reference) < 2e-7, "Φ(\(x))")
    }
  }

  @Test func vectorExpHandlesExtremes() {
    #expect(VectorMath.exp(Float(-100)) == 0)
    #expect(VectorMath.exp(Float(100)) == .infinity)
    #expect(VectorMath.exp(Float(0)) == 1)
    // Relative error within 2 ulp over the normal range.
    for i in 0..<2000 {
      let x = Float(i - 1000) * 0.087
      let reference = Float(Foundation.exp(Double(x)))
      let error = Swift.abs(VectorMath.exp(x) - reference) / reference
      #expect(error < 2.5e-7, "exp(\(x))")
    }
  }

  @Test func geluKernelOnOddSizesMatchesScalarPath() {
    for count in [1, 7, 15, 16, 17, 33, 129] {
      let x = randomTensor([count], seed: UInt64(count))
      let y = x.gelu(.tanh).scalars
      for i in 0..<count {
        let v = x.scalars[i]
        let u: Float = 0.7978845608028654 * (v + 0.044715 * v * v * v)
        let expected: Float = 0.5 * v * (1 + VectorMath.tanh(u))
        #expect(Swift.abs(y[i] - expected) <= 1e-6)
      }
    }
  }
}
