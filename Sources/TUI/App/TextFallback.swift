extension GlyphSet {
  /// `text` as this glyph set can show it: the symbols the screens use in running text
  /// (separators, arrows, state marks) become ASCII look-alikes when the locale is not UTF-8,
  /// instead of the canvas's `?`.
  func text(_ text: String) -> String {
    guard !isUnicode else { return text }
    var out = ""
    for character in text {
      switch character {
      case "·": out += "-"
      case "─", "—", "–": out += "-"
      case "●": out += "*"
      case "◌", "○": out += "o"
      case "✓": out += "+"
      case "✗": out += "x"
      case "…": out += "..."
      case "←": out += "<"
      case "→": out += ">"
      case "↑": out += "^"
      case "↓": out += "v"
      case "±": out += "+-"
      case "“", "”": out += "\""
      default: out.append(character)
      }
    }
    return out
  }
}
