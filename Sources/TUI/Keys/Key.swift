/// A key press (or terminal event) as the screens see it, independent of curses.
public enum Key: Hashable, Sendable {
  case character(Character)
  /// Control plus a letter, e.g. `.ctrl("c")`; stored lower-case.
  case ctrl(Character)
  case tab
  case shiftTab
  case escape
  case enter
  case space
  case backspace
  case delete
  case up
  case down
  case left
  case right
  case home
  case end
  case pageUp
  case pageDown
  case function(Int)
  /// The terminal changed size (curses' KEY_RESIZE).
  case resize

  /// One spelling per key: `.character(" ")` is `.space`, `.character("\t")` is `.tab`,
  /// `.ctrl("I")` is `.ctrl("i")` (and `.tab`), so that a key table cannot hide a duplicate.
  public var normalized: Key {
    switch self {
    case .character(" "): return .space
    case .character("\t"), .ctrl("i"), .ctrl("I"): return .tab
    case .character("\r"), .character("\n"), .ctrl("m"), .ctrl("M"): return .enter
    case .character("\u{1B}"), .ctrl("["): return .escape
    case .ctrl(let letter): return .ctrl(Character(letter.lowercased()))
    default: return self
    }
  }

  /// How help and docs print the key: `q`, `Ctrl-C`, `Shift-Tab`, `↑` (or `Up` without Unicode).
  public func displayName(unicode: Bool = true) -> String {
    switch normalized {
    case .character(let character): return String(character)
    case .ctrl(let letter): return "Ctrl-" + letter.uppercased()
    case .tab: return "Tab"
    case .shiftTab: return "Shift-Tab"
    case .escape: return "Esc"
    case .enter: return "Enter"
    case .space: return "Space"
    case .backspace: return "Backspace"
    case .delete: return "Delete"
    case .up: return unicode ? "↑" : "Up"
    case .down: return unicode ? "↓" : "Down"
    case .left: return unicode ? "←" : "Left"
    case .right: return unicode ? "→" : "Right"
    case .home: return "Home"
    case .end: return "End"
    case .pageUp: return "PgUp"
    case .pageDown: return "PgDn"
    case .function(let number): return "F\(number)"
    case .resize: return "Resize"
    }
  }
}
