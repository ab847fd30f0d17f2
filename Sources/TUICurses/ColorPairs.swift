import CNCurses
import TUI

/// Curses colour pairs allocated on first use and cached. When the terminal's pairs run out, a
/// cell falls back to its foreground on the default background, then to the default pair: the
/// text stays readable, only some colours are lost.
final class ColorPairs {
  private let colorMode: ColorMode
  /// Colour numbers are 24-bit RGB values (a `-direct` terminfo entry).
  private let isDirect: Bool
  private let capacity: Int32
  private var next: Int32 = 1
  private var pairs: [PairKey: Int32] = [:]

  private struct PairKey: Hashable {
    let foreground: Int32
    let background: Int32
  }

  init(colorMode: ColorMode, colorCount: Int32, pairCount: Int32) {
    self.colorMode = colorMode
    isDirect = colorCount >= 1 << 24
    capacity = colorMode == .monochrome ? 1 : pairCount
  }

  func pair(foreground: TerminalColor, background: TerminalColor) -> Int32 {
    guard colorMode != .monochrome else { return 0 }
    let key = PairKey(foreground: number(foreground), background: number(background))
    if key.foreground == -1 && key.background == -1 { return 0 }
    if let pair = pairs[key] ?? allocate(key) { return pair }
    let fallback = PairKey(foreground: key.foreground, background: -1)
    return pairs[fallback] ?? allocate(fallback) ?? 0
  }

  private func allocate(_ key: PairKey) -> Int32? {
    guard next < capacity, init_extended_pair(next, key.foreground, key.background) == OK else {
      return nil
    }
    pairs[key] = next
    next += 1
    return next - 1
  }

  /// The curses colour number: -1 for the default (use_default_colors), a palette index, or
  /// on a direct-colour terminal r<<16|g<<8|b for anything but the 8 ANSI colours.
  private func number(_ color: TerminalColor) -> Int32 {
    switch colorMode.downgrade(color) {
    case .default: return -1
    case .ansi(let index) where !isDirect || index < 8: return Int32(index)
    case .indexed(let index) where !isDirect: return Int32(index)
    case .ansi(let index), .indexed(let index):
      let (red, green, blue) = XtermPalette.rgb(ofIndex: index)
      return Int32(red << 16 | green << 8 | blue)
    case .rgb(let red, let green, let blue):
      if isDirect { return Int32(red) << 16 | Int32(green) << 8 | Int32(blue) }
      return Int32(XtermPalette.nearestIndex(red: red, green: green, blue: blue))
    }
  }
}
