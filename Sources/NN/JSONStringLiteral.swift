/// Writing JSON strings by hand, for files that must be byte-identical for the same content
/// (safetensors headers, data exports), which Foundation's encoders do not promise.
public enum JSONStringLiteral {
  /// `text` as a JSON string literal: quotes, backslashes and control characters escaped,
  /// everything else written as UTF-8 (valid JSON, and what Python's json module reads).
  public static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
