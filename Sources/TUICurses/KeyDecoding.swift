import CNCurses
import TUI

/// Curses input to `Key`: characters (with the control codes Tab, Enter, Esc, Backspace and
/// Ctrl-letters) and key codes (arrows, Shift-Tab = KEY_BTAB, KEY_RESIZE, function keys).
enum KeyDecoding {
  static func character(_ code: Int32) -> Key? {
    switch code {
    case 9: return .tab
    case 10, 13: return .enter
    case 27: return .escape
    case 32: return .space
    case 8, 127: return .backspace
    case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(code) + 96)))
    default:
      guard code > 31, let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
      return .character(Character(scalar))
    }
  }

  static func keyCode(_ code: Int32) -> Key? {
    switch code {
    case KEY_UP: return .up
    case KEY_DOWN: return .down
    case KEY_LEFT: return .left
    case KEY_RIGHT: return .right
    case KEY_HOME: return .home
    case KEY_END: return .end
    case KEY_PPAGE: return .pageUp
    case KEY_NPAGE: return .pageDown
    case KEY_BTAB: return .shiftTab
    case KEY_RESIZE: return .resize
    case KEY_ENTER: return .enter
    case KEY_BACKSPACE: return .backspace
    case KEY_DC: return .delete
    default:
      let function = Int(code - vlp_key_f0())
      return (1...63).contains(function) ? .function(function) : nil
    }
  }
}
