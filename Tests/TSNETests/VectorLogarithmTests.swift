import Foundation
import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE vector logarithm")
struct VectorLogarithmTests {
  /// Against the Double logarithm over t-SNE's range (1 + d^2 from 1 to 1e12, and the mantissa
  /// boundaries around sqrt(2)): within 2 float ulps of the exact value, or 1e-7 absolute near
  /// log 1 = 0.
  @Test func matchesTheDoubleLogarithm() {
    var values: [Float] = [1, 1.0000001, 1.4142135, 1.4142137, 2, 2.8284271, 3, 1e6, 1e12]
    var x: Float = 1
    while x < 1e12 {
      values.append(x)
      x *= 1.0009765625
    }
    var worst = 0.0
    var start = 0
    while start + 8 <= values.count {
      let lanes = SIMD8<Float>((0..<8).map { values[start + $0] })
      let logs = VectorLogarithm.log(lanes)
      for lane in 0..<8 {
        let exact = Foundation.log(Double(lanes[lane]))
        let error = abs(Double(logs[lane]) - exact)
        let bound = max(2 * Double(Float(exact).ulp), 1e-7)
        worst = max(worst, error / bound)
        #expect(error <= bound, "log(\(lanes[lane])) = \(logs[lane]), exact \(exact)")
      }
      start += 8
    }
    #expect(worst > 0, "the comparison ran")
  }

  /// The sparse KL divergence (vector logarithms, float row sums) against the same sum over
  /// every pair of the dense P in Double: equal to 1e-6 relative.
  @Test func sparseDivergenceMatchesTheDoubleSum() {
    let n = 300
    let data = GaussianClusters(count: n, dimensions: 10, clusters: 3, seed: 8)
    let centred = TSNE.centred(data.data, count: n, dimensions: 10)
    guard
      case .dense(let dense) = TSNEAffinities.dense(
        data: centred, count: n, dimensions: 10, perplexity: 20)
    else {
      Issue.record("300 points should give dense affinities")
      return
    }
    var random = RandomGenerator(seed: 5)
    let y = (0..<(2 * n)).map { _ in Float(6 * random.nextNormal()) }
    var expected = 0.0
    for i in 0..<n {
      for j in 0..<n where dense[i * n + j] > 0 {
        let (dx, dy) = (Double(y[2 * i] - y[2 * j]), Double(y[2 * i + 1] - y[2 * j + 1]))
        expected += Double(dense[i * n + j]) * log1p(dx * dx + dy * dy)
      }
    }
    let sparse = TSNEBehaviourTests().sparse(dense, n)
    let got = TSNEGradient.klDivergence(positions: y, affinities: sparse, negativeEntropy: 0, z: 1)
    #expect(abs(got - expected) < 1e-6 * expected, "\(got) against \(expected)")
  }
}
