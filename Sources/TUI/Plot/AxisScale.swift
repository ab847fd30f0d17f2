import Foundation

/// Tick positions and labels for a plot axis.
public enum AxisScale: Sendable {
  case linear
  /// Base-10 logarithmic; values at or below zero are left out of the plot.
  case logarithmic
}

public enum AxisTicks {
  /// Powers of ten within [low, high] (in data units, both positive); when fewer than two fall
  /// inside, nice linear ticks of the same range.
  public static func logarithmic(low: Double, high: Double, count: Int) -> [Double] {
    guard low > 0, high > low, high.isFinite else {
      return nice(low: low, high: high, count: count)
    }
    let first = Int(log10(low).rounded(.up))
    let last = Int(log10(high).rounded(.down))
    guard last > first else { return nice(low: low, high: high, count: count) }
    let stride = max(1, (last - first + count - 1) / max(1, count - 1))
    return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
  }

  /// About `count` "nice" ticks (1, 2 or 5 times a power of ten apart) within [low, high],
  /// Heckbert's method (Graphics Gems, 1990), and at most `maximumCount` (the step grows 1, 2, 5,
  /// 10, ... until they fit), so that labels never crowd.
  public static func nice(
    low: Double, high: Double, count: Int, maximumCount: Int = .max
  ) -> [Double] {
    guard low.isFinite, high.isFinite, high > low else { return low.isFinite ? [low] : [] }
    var step = niceNumber((high - low) / Double(max(1, count - 1)), round: true)
    var ticks = multiples(of: step, low: low, high: high)
    for _ in 0..<12 where ticks.count > max(1, maximumCount) {
      step = nextNiceNumber(step)
      ticks = multiples(of: step, low: low, high: high)
    }
    return ticks
  }

  /// The multiples of `step` within [low, high].
  public static func multiples(of step: Double, low: Double, high: Double) -> [Double] {
    // The ratio bound keeps the Int conversions exact (a tiny span far from zero has no ticks).
    guard step > 0, step.isFinite, abs(low / step) < 1e15, abs(high / step) < 1e15 else {
      return []
    }
    let first = Int((low / step).rounded(.up))
    let last = Int((high / step + 1e-9).rounded(.down))
    guard first <= last else { return [] }
    return (first...last).map { abs($0) == 0 ? 0 : Double($0) * step }
  }

  static func nextNiceNumber(_ step: Double) -> Double {
    let exponent = floor(log10(step))
    let mantissa = (step / pow(10, exponent)).rounded()
    let next: Double = mantissa < 2 ? 2 : mantissa < 5 ? 5 : 10
    return next * pow(10, exponent)
  }

  static func niceNumber(_ value: Double, round: Bool) -> Double {
    let exponent = floor(log10(value))
    let fraction = value / pow(10, exponent)
    let nice: Double
    if round {
      nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    } else {
      nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
    }
    return nice * pow(10, exponent)
  }
}
