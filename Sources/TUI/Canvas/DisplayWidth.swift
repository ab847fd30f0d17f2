/// How many columns a scalar takes in a terminal (wcwidth's answer for the common cases):
/// 0 for combining marks and controls, 2 for East Asian wide and emoji, 1 otherwise.
public enum DisplayWidth {
  public static func of(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x300 { return value < 0x20 || (value >= 0x7F && value < 0xA0) ? 0 : 1 }
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format, .control: return 0
    default: break
    }
    return wideRanges.contains { $0.contains(value) } ? 2 : 1
  }

  /// The columns a string takes, counting each grapheme by its first scalar as the canvas does.
  public static func of(_ text: String) -> Int {
    var total = 0
    for character in text { total += character.unicodeScalars.first.map(of) ?? 0 }
    return total
  }

  static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
    0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
    0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
  ]
}
