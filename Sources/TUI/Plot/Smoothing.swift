import Foundation

/// TensorBoard's scalar smoothing: an exponential moving average debiased like Adam's moments,
/// so the first points are not dragged toward zero.
///
///     s_n = w s_{n-1} + (1 - w) x_n,  s_0 = 0,   shown: s_n / (1 - w^n)
///
/// as in TensorBoard's `vz_line_chart2` `resmoothDataset`: the weight is capped at 0.999,
/// non-finite values are passed through without entering the average (n counts finite values
/// only), and a constant series is returned unchanged (no rounding wobble on a flat line).
public enum Smoothing {
  public static let maximumWeight = 0.999

  public static func debiasedEMA(_ values: [Float], weight: Float) -> [Float] {
    debiasedEMA(values.map(Double.init), weight: Double(weight)).map(Float.init)
  }

  public static func debiasedEMA(_ values: [Double], weight: Double) -> [Double] {
    let w = min(max(weight.isNaN ? 0 : weight, 0), maximumWeight)
    guard w > 0, let first = values.first, !values.allSatisfy({ $0 == first }) else {
      return values
    }
    var last = 0.0
    var count = 0.0
    return values.map { value in
      guard value.isFinite else { return value }
      last = last * w + (1 - w) * value
      count += 1
      return last / (1 - pow(w, count))
    }
  }
}
