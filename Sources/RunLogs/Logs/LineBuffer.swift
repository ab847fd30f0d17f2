import Foundation

/// The whole lines of bytes appended to a text log: a last line without its newline is left for
/// the next read (its writer is still writing it).
enum LineBuffer {
  /// The complete lines in `bytes` and the bytes they take (through the last newline).
  /// `isFinal`: a last line without a newline counts too (the file will not grow).
  static func lines(_ bytes: UnsafeRawBufferPointer, isFinal: Bool) -> (lines: [Substring], consumed: Int) {
    guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else {
      return isFinal && !bytes.isEmpty ? ([Substring(decoding: bytes, as: UTF8.self)], bytes.count) : ([], 0)
    }
    let end = isFinal ? bytes.count : lastNewline + 1
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    return (lines, end)
  }

  /// A number written as a number or as a string (`"2.345"`, as ALBEF and LAVIS log them).
  static func number(_ value: Any) -> Double? {
    if let text = value as? String { return Double(text.filter { $0 != " " }) }
    // Foundation's JSON numbers are NSNumbers; on Linux `is Bool` holds for 0 and 1, so a
    // boolean cannot be told apart here (a configuration's flags never reach this: skipped).
    return (value as? NSNumber)?.doubleValue
  }

  /// A step number as a step: whole part of a finite value within ±2^53 (what a JSON number
  /// holds exactly), else nil. `1e308`, `NaN` or `-inf` as a step must not trap the conversion.
  static func step(_ value: Double) -> Int64? {
    guard value.isFinite, abs(value) <= 9_007_199_254_740_992 else { return nil }
    return Int64(value.rounded(.towardZero))
  }
}
