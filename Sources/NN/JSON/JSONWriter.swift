import Foundation

/// The one set of rules for the JSON vlp writes (RFC 8259):
///
/// - strings: quote and backslash escaped, `\n`, `\r`, `\t` as short escapes, the other control
///   characters as `\u00XX`; everything else as UTF-8 (what Python's json module reads);
/// - numbers: integers as digits; floats in the shortest text that reads back as the same
///   float, without a trailing `.0` (`1`, `0.25`, `1e-05`; `-0.0` keeps its sign); a value
///   with a chosen precision in fixed decimals; NaN and infinities, which JSON cannot spell,
///   as null (the logs' readers take null as NaN; a data reader rejects it by name);
/// - objects and arrays: members and elements in the order given.
extension JSONValue {
  /// The document as text, laid out as `layout` says (no trailing newline).
  public func text(_ layout: JSONLayout = .spaced) -> String {
    var output = ""
    write(into: &output, layout: layout, depth: 0)
    return output
  }

  private func write(into output: inout String, layout: JSONLayout, depth: Int) {
    switch self {
    case .object(let members):
      writeContainer(
        members.count, open: "{", close: "}", into: &output, layout: layout, depth: depth
      ) { index, output in
        Self.appendQuoted(members[index].key, to: &output)
        output += layout.colon
        members[index].value.write(into: &output, layout: layout, depth: depth + 1)
      }
    case .array(let elements):
      writeContainer(
        elements.count, open: "[", close: "]", into: &output, layout: layout, depth: depth
      ) { index, output in
        elements[index].write(into: &output, layout: layout, depth: depth + 1)
      }
    case .string(let text): Self.appendQuoted(text, to: &output)
    case .integer(let value): output += String(value)
    case .float(let value): output += Self.number(value)
    case .fixed(let value, let fractionDigits):
      output += value.isFinite ? String(format: "%.\(fractionDigits)f", value) : "null"
    }
  }

  private func writeContainer(
    _ count: Int, open: String, close: String, into output: inout String, layout: JSONLayout,
    depth: Int, item: (Int, inout String) -> Void
  ) {
    output += open
    guard count > 0 else {
      output += close
      return
    }
    let expanded = depth < layout.expandedDepth
    let indent = String(repeating: "  ", count: depth + 1)
    for index in 0..<count {
      if expanded {
        output += (index == 0 ? "\n" : ",\n") + indent
      } else if index > 0 {
        output += layout.comma
      }
      item(index, &output)
    }
    if expanded { output += "\n" + String(repeating: "  ", count: depth) }
    output += close
  }

  /// Swift's shortest round-trip digits, without the `.0` it gives whole numbers.
  static func number(_ value: Float) -> String {
    guard value.isFinite else { return "null" }
    let text = value.description
    let negativeZero = value == 0 && value.sign == .minus
    return text.hasSuffix(".0") && !negativeZero ? String(text.dropLast(2)) : text
  }

  static func appendQuoted(_ text: String, to output: inout String) {
    output += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: output.unicodeScalars.append(scalar)
      }
    }
    output += "\""
  }
}
