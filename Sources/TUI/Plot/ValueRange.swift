import Foundation

/// The span of values a plot axis shows.
public struct ValueRange: Hashable, Sendable {
  public var low: Double
  public var high: Double

  public init(low: Double, high: Double) {
    self.low = low
    self.high = high
  }

  public var span: Double { high - low }

  /// The smallest range holding every finite value, or nil when there is none.
  public static func enclosing<S: Sequence<Double>>(_ values: S) -> ValueRange? {
    var range: ValueRange?
    for value in values where value.isFinite {
      range = ValueRange(
        low: min(range?.low ?? value, value), high: max(range?.high ?? value, value))
    }
    return range
  }

  /// The 5th to 95th percentile of the finite values: TensorBoard's "ignore outliers in chart
  /// scaling", so one loss spike does not flatten the rest of the curve.
  public static func ignoringOutliers(_ values: [Double]) -> ValueRange? {
    let sorted = values.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return nil }
    return ValueRange(
      low: percentile(sorted, 0.05), high: percentile(sorted, 0.95))
  }

  /// Linear interpolation between closest ranks (numpy's default) of sorted values.
  public static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    let position = fraction * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let weight = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * weight
  }

  /// A range with room: a single value is widened so it sits mid-plot, and `fraction` of the
  /// span is added on both sides.
  public func padded(by fraction: Double) -> ValueRange {
    if span <= 0 {
      let half = low == 0 ? 1 : abs(low) * 0.1
      return ValueRange(low: low - half, high: high + half)
    }
    return ValueRange(low: low - span * fraction, high: high + span * fraction)
  }

  /// The fraction of the way from low to high (0 at low, 1 at high).
  public func position(of value: Double) -> Double { span > 0 ? (value - low) / span : 0.5 }
}
