import Foundation

/// Short number labels for axes and legends (durations: NN's `DurationFormat`).
public enum NumberFormat {
  /// At most about 5 characters: `0`, `0.25`, `2.04`, `1500`, `12k`, `1.5M`, `3e-05`.
  public static func compact(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
    if value == 0 { return "0" }
    let magnitude = abs(value)
    // Beyond a thousand T, an exponent: "%f" would print all ~300 digits of 1e300.
    if magnitude >= 1e15 { return String(format: "%.0e", value) }
    if magnitude >= 1e4 {
      for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
      where magnitude >= scale {
        return trimmed(value / scale, digits: magnitude / scale < 10 ? 1 : 0) + suffix
      }
    }
    if magnitude >= 100 { return trimmed(value, digits: 0) }
    if magnitude >= 1 { return trimmed(value, digits: magnitude >= 10 ? 1 : 2) }
    if magnitude >= 0.001 {
      let digits = Int(-log10(magnitude).rounded(.down)) + 2
      return trimmed(value, digits: min(digits, 5))
    }
    return String(format: "%.0e", value)
  }

  /// Fixed decimals without trailing zeros: 2.50 -> 2.5, 3.00 -> 3.
  static func trimmed(_ value: Double, digits: Int) -> String {
    var text = String(format: "%.\(digits)f", value)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }
}
