/// How many colours the terminal shows. Every colour written to a canvas is downgraded to the
/// canvas's mode, so the canvas holds exactly what the terminal will display.
public enum ColorMode: String, Hashable, Sendable, CaseIterable {
  /// `NO_COLOR`, or a terminal without colour: attributes (bold, reverse...) only.
  case monochrome
  case ansi8
  case palette256
  case trueColor

  public func downgrade(_ color: TerminalColor) -> TerminalColor {
    switch (self, color) {
    case (_, .default), (.trueColor, _): return color
    case (.monochrome, _): return .default
    case (.palette256, .rgb(let red, let green, let blue)):
      return .indexed(XtermPalette.nearestIndex(red: red, green: green, blue: blue))
    case (.palette256, _): return color
    case (.ansi8, .ansi(let index)), (.ansi8, .indexed(let index)):
      // Bright colours go by RGB too: bright black (grey) becomes white, not an invisible black.
      if index < 8 { return .ansi(index) }
      let (red, green, blue) = XtermPalette.rgb(ofIndex: index)
      return .ansi(XtermPalette.nearestANSI8(red: red, green: green, blue: blue))
    case (.ansi8, .rgb(let red, let green, let blue)):
      // Through the 256 palette first, so that greys and the cube land where they do in 256 mode.
      let index = XtermPalette.nearestIndex(red: red, green: green, blue: blue)
      return ColorMode.ansi8.downgrade(.indexed(index))
    }
  }

  public func downgrade(_ style: CellStyle) -> CellStyle {
    if self == .trueColor { return style }
    return CellStyle(
      foreground: downgrade(style.foreground), background: downgrade(style.background),
      attributes: style.attributes)
  }

  /// The mode for a terminal that reports `colorCount` colours (ncurses' `COLORS`, 0 without
  /// colour). `NO_COLOR` (any non-empty value, no-color.org) wins. `COLORTERM=truecolor` is
  /// honoured only where the terminal description can emit RGB (`COLORS` of 2^24, a `-direct`
  /// entry): ncurses cannot send 24-bit colours through a 256-colour description.
  public static func detect(environment: [String: String], colorCount: Int) -> ColorMode {
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .monochrome }
    if colorCount >= 1 << 24 { return .trueColor }
    if colorCount >= 256 { return .palette256 }
    if colorCount >= 8 { return .ansi8 }
    return .monochrome
  }

  /// Whether the environment asks for 24-bit colour (`COLORTERM=truecolor` or `24bit`).
  public static func wantsTrueColor(environment: [String: String]) -> Bool {
    let value = environment["COLORTERM"]?.lowercased() ?? ""
    return value == "truecolor" || value == "24bit"
  }
}
