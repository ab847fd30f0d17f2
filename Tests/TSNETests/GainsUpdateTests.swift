import Tensor
import Testing

@testable import TSNE

@Suite("t-SNE optimiser step")
struct GainsUpdateTests {
  /// 40,000 points (several blocks), gradients of all sizes.
  static func state() -> (gradient: [Float], update: [Float], positions: [Float]) {
    var random = RandomGenerator(seed: 21)
    let n = 40_000
    // Gradients of several sizes, so that some steps pass the limit and some do not.
    let gradient = (0..<(2 * n)).map { _ in
      Float(random.nextNormal()) * Float(1 + 4 * random.nextDouble())
    }
    let update = (0..<(2 * n)).map { _ in Float(random.nextNormal()) }
    let positions = (0..<(2 * n)).map { _ in Float(10 * random.nextNormal()) }
    return (gradient, update, positions)
  }

  static func step(maximumNorm: Float?, threads: Int) -> (
    gains: [Float], update: [Float], positions: [Float], norm: Double
  ) {
    let (gradient, start, origin) = state()
    var (update, positions) = (start, origin)
    var gains = [Float](repeating: 1, count: update.count)
    let norm = ComputeSettings.withThreadCount(threads) {
      GainsUpdate.apply(
        gradient: gradient, gains: &gains, update: &update, positions: &positions,
        momentum: 0.5, rate: 3, minimumGain: 0.01, maximumNorm: maximumNorm)
    }
    return (gains, update, positions, norm)
  }

  /// Against scikit-learn's update written out per coordinate, then openTSNE's clip per point:
  /// steps longer than the limit keep their direction at the limit's length, shorter ones are
  /// untouched; the same bits on 1 and 2 threads.
  @Test func limitsEachPointsStepAndMatchesTheFormula() {
    let (gradient, update, positions) = Self.state()
    let limit: Float = 5
    let result = Self.step(maximumNorm: limit, threads: 1)
    var clipped = 0
    var squaredNorm = 0.0
    for i in 0..<(positions.count / 2) {
      var step = SIMD2<Float>()
      for axis in 0..<2 {
        let k = 2 * i + axis
        let g = gradient[k]
        let one: Float = 1
        let gain = max(update[k] * g < 0 ? one + 0.2 : one * 0.8, Float(0.01))
        #expect(result.gains[k] == gain)
        squaredNorm += Double(g * gain * g * gain)
        step[axis] = 0.5 * update[k] - 3 * (g * gain)
      }
      let length = (step * step).sum().squareRoot()
      if length > limit {
        clipped += 1
        let got = SIMD2(result.update[2 * i], result.update[2 * i + 1])
        #expect(abs((got * got).sum().squareRoot() - limit) < 1e-5 * limit)
        #expect(abs(got.x * step.y - got.y * step.x) <= 1e-5 * length * limit, "direction of \(i)")
      } else {
        #expect(result.update[2 * i] == step.x && result.update[2 * i + 1] == step.y)
      }
      #expect(result.positions[2 * i] == positions[2 * i] + result.update[2 * i])
      #expect(result.positions[2 * i + 1] == positions[2 * i + 1] + result.update[2 * i + 1])
    }
    #expect(clipped > 1000 && clipped < positions.count / 2 - 1000)
    #expect(abs(result.norm - squaredNorm) < 1e-9 * squaredNorm)
    let two = Self.step(maximumNorm: limit, threads: 2)
    #expect(two.update == result.update && two.positions == result.positions)
    #expect(two.norm == result.norm)
    let unlimited = Self.step(maximumNorm: nil, threads: 1)
    #expect(unlimited.update != result.update)
  }

  @Test func aLimitThatIsNotPositiveIsRejectedByName() {
    for bad in [0, -1, Double.nan, Double.infinity] {
      var options = TSNEOptions()
      options.maximumStepNorm = bad
      #expect(throws: TSNEError.self) { try options.validate(count: 100) }
      do {
        try options.validate(count: 100)
      } catch {
        #expect("\(error)".contains("maximumStepNorm"))
      }
    }
    var none = TSNEOptions()
    none.maximumStepNorm = nil
    #expect(throws: Never.self) { try none.validate(count: 100) }
  }
}
