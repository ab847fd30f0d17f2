/// A colour as a terminal can show it. Widgets pick any colour; `ColorMode.downgrade` maps it to
/// what the terminal supports when the canvas stores it.
public enum TerminalColor: Hashable, Sendable {
  /// The terminal's own foreground or background (what `use_default_colors` keeps).
  case `default`
  /// One of the 16 ANSI colours: 0-7 normal, 8-15 bright.
  case ansi(UInt8)
  /// An index into the xterm 256-colour palette (16-231 a 6x6x6 cube, 232-255 greys).
  case indexed(UInt8)
  case rgb(UInt8, UInt8, UInt8)

  public static let black = TerminalColor.ansi(0)
  public static let red = TerminalColor.ansi(1)
  public static let green = TerminalColor.ansi(2)
  public static let yellow = TerminalColor.ansi(3)
  public static let blue = TerminalColor.ansi(4)
  public static let magenta = TerminalColor.ansi(5)
  public static let cyan = TerminalColor.ansi(6)
  public static let white = TerminalColor.ansi(7)
  public static let brightBlack = TerminalColor.ansi(8)
  public static let brightRed = TerminalColor.ansi(9)
  public static let brightGreen = TerminalColor.ansi(10)
  public static let brightYellow = TerminalColor.ansi(11)
  public static let brightBlue = TerminalColor.ansi(12)
  public static let brightMagenta = TerminalColor.ansi(13)
  public static let brightCyan = TerminalColor.ansi(14)
  public static let brightWhite = TerminalColor.ansi(15)

  /// An RGB colour from floats in [0, 1] (clamped; NaN is black).
  public static func rgb(red: Float, green: Float, blue: Float) -> TerminalColor {
    func byte(_ value: Float) -> UInt8 {
      guard value > 0 else { return 0 }
      return value >= 1 ? 255 : UInt8((value * 255).rounded())
    }
    return .rgb(byte(red), byte(green), byte(blue))
  }

  static let ansiNames = [
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    "brightBlack", "brightRed", "brightGreen", "brightYellow", "brightBlue", "brightMagenta",
    "brightCyan", "brightWhite",
  ]

  /// A short name for snapshots: `red`, `brightBlue`, `idx208`, `#1f77b4`, `default`.
  public var name: String {
    switch self {
    case .default: return "default"
    case .ansi(let index): return Self.ansiNames[Int(index & 15)]
    case .indexed(let index): return "idx\(index)"
    case .rgb(let red, let green, let blue):
      return "#"
        + [red, green, blue].map { byte in
          let hex = String(byte, radix: 16)
          return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
  }
}
