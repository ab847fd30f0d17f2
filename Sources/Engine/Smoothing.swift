import Foundation

/// TensorBoard's scalar smoothing: an exponential moving average debiased by 1 - w^n, so the
/// first points are not pulled towards zero. The weight is capped at 0.999 as TensorBoard does;
/// NaN and infinite points are passed through without entering the average.
public enum Smoothing {
  public static let maximumWeight = 0.999

  public static func debiasedEMA(_ values: [Float], weight: Double) -> [Float] {
    let w = min(max(weight, 0), maximumWeight)
    var average = 0.0
    var count = 0
    return values.map { value in
      guard value.isFinite else { return value }
      count += 1
      average = w * average + (1 - w) * Double(value)
      let debias = 1 - pow(w, Double(count))
      return Float(debias > 0 ? average / debias : Double(value))
    }
  }
}
