extension KeyMap {
  /// docs/keys.md: one section per table (global first), a row per binding.
  public func markdown(title: String = "Keys") -> String {
    var lines = ["# \(title)", ""]
    for table in [global] + screens {
      lines += ["## \(table.name)", "", "| Keys | Action |", "|---|---|"]
      for binding in table.bindings {
        let keys = binding.keyNames().map { "`" + Self.markdownCode($0) + "`" }
        lines.append(
          "| \(keys.joined(separator: ", ")) | \(Self.markdownCell(binding.summary)) |")
      }
      lines.append("")
    }
    return lines.joined(separator: "\n")
  }

  /// A backtick cannot sit inside a one-backtick code span; a pipe would end the table cell.
  private static func markdownCode(_ text: String) -> String {
    text == "`" ? "` `` ` `" : text == "|" ? "\\|" : text
  }

  private static func markdownCell(_ text: String) -> String {
    text.replacingOccurrences("|", with: "\\|")
  }
}

extension String {
  /// Foundation-free `replacingOccurrences(of:with:)` for short strings.
  func replacingOccurrences(_ target: Character, with replacement: String) -> String {
    var result = ""
    for character in self {
      if character == target { result += replacement } else { result.append(character) }
    }
    return result
  }
}
