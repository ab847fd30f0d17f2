import Testing

@testable import TUI

@Suite struct SmoothingTests {
  /// By hand, w = 0.5, x = 1, 2, 3:
  ///   s1 = 0.5 -> 0.5 / (1 - 0.5) = 1
  ///   s2 = 0.25 + 1 = 1.25 -> 1.25 / 0.75 = 5/3
  ///   s3 = 0.625 + 1.5 = 2.125 -> 2.125 / 0.875 = 17/7
  @Test func debiasedEMAMatchesHandComputedValues() {
    let smoothed = Smoothing.debiasedEMA([1, 2, 3] as [Float], weight: 0.5)
    let expected: [Float] = [1, 5.0 / 3.0, 17.0 / 7.0]
    for (value, reference) in zip(smoothed, expected) {
      #expect(abs(value - reference) < 1e-6, "\(smoothed) vs \(expected)")
    }
  }

  /// w = 0.6, x = 10, 0, 5:
  ///   s1 = 4 -> 4 / 0.4 = 10
  ///   s2 = 2.4 -> 2.4 / (1 - 0.36) = 3.75
  ///   s3 = 1.44 + 2 = 3.44 -> 3.44 / (1 - 0.216) = 4.387755...
  @Test func debiasedEMASecondCase() {
    let smoothed = Smoothing.debiasedEMA([10, 0, 5] as [Double], weight: 0.6)
    let expected = [10, 3.75, 3.44 / 0.784]
    for (value, reference) in zip(smoothed, expected) { #expect(abs(value - reference) < 1e-12) }
  }

  @Test func zeroWeightIsIdentityAndFirstValueIsKept() {
    let values: [Float] = [3, -1, 7.5]
    #expect(Smoothing.debiasedEMA(values, weight: 0) == values)
    #expect(Smoothing.debiasedEMA(values, weight: 0.9).first == 3)
  }

  @Test func weightIsCappedAt0999() {
    let values: [Double] = [0, 1, 0, 1]
    #expect(
      Smoothing.debiasedEMA(values, weight: 1) == Smoothing.debiasedEMA(values, weight: 0.999))
    #expect(Smoothing.debiasedEMA(values, weight: 5).allSatisfy { $0.isFinite })
  }

  /// Non-finite values pass through and do not count toward n (TensorBoard).
  @Test func nonFiniteValuesPassThrough() {
    let smoothed = Smoothing.debiasedEMA([1, .nan, 2, .infinity] as [Double], weight: 0.5)
    #expect(smoothed[0] == 1)
    #expect(smoothed[1].isNaN)
    #expect(abs(smoothed[2] - 5.0 / 3.0) < 1e-12)
    #expect(smoothed[3] == .infinity)
  }

  @Test func constantSeriesIsUnchanged() {
    let values = [Float](repeating: 0.1, count: 50)
    #expect(Smoothing.debiasedEMA(values, weight: 0.95) == values)
  }
}
