import Foundation

/// Changes string values inside a JSON text in place, leaving every other byte as the user wrote
/// it (key order, spacing, comments-free formatting): the exported session.json differs from the
/// user's only in the paths it had to make absolute. The text must be valid JSON (the session
/// was parsed before); a text this walker cannot follow is returned unchanged.
enum JSONStringEdits {
  /// `transform(path, value)` gets each string value with its path (object keys, array indices
  /// as decimal text) and returns its replacement, or nil to keep it.
  static func replacing(
    in text: Data, _ transform: (_ path: [String], _ value: String) -> String?
  ) -> Data {
    var walker = Walker(bytes: [UInt8](text))
    guard (try? walker.value(path: [])) != nil else { return text }
    var result = walker.bytes
    var changed = false
    for found in walker.strings.reversed() {
      guard let replacement = transform(found.path, found.value) else { continue }
      result.replaceSubrange(found.range, with: literal(replacement))
      changed = true
    }
    return changed ? Data(result) : text
  }

  /// A JSON string literal for `value` (`"` `\` and control characters escaped, `/` not).
  static func literal(_ value: String) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out += Array("\\\"".utf8)
      case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
      case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
    return out
  }

  private struct Malformed: Error {}

  private struct Walker {
    let bytes: [UInt8]
    var position = 0
    /// Every string value in text order.
    var strings: [(path: [String], range: Range<Int>, value: String)] = []

    mutating func skipSpace() {
      while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
        position += 1
      }
    }

    mutating func expect(_ character: UInt8) throws {
      skipSpace()
      guard position < bytes.count, bytes[position] == character else { throw Malformed() }
      position += 1
    }

    /// A string literal: its byte range and decoded value.
    mutating func string() throws -> (Range<Int>, String) {
      skipSpace()
      let start = position
      try expect(UInt8(ascii: "\""))
      while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
        position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
      }
      try expect(UInt8(ascii: "\""))
      let literal = Data(bytes[start..<position])
      guard
        let value = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed)
          as? String
      else { throw Malformed() }
      return (start..<position, value)
    }

    mutating func value(path: [String]) throws {
      skipSpace()
      guard position < bytes.count else { throw Malformed() }
      switch bytes[position] {
      case UInt8(ascii: "{"):
        try members(closing: UInt8(ascii: "}")) { parser, _ in
          let (_, key) = try parser.string()
          try parser.expect(UInt8(ascii: ":"))
          try parser.value(path: path + [key])
        }
      case UInt8(ascii: "["):
        try members(closing: UInt8(ascii: "]")) { parser, index in
          try parser.value(path: path + [String(index)])
        }
      case UInt8(ascii: "\""):
        let (range, text) = try string()
        strings.append((path, range, text))
      default:  // a number, true, false or null
        while position < bytes.count,
          !",]} \t\r\n".utf8.contains(bytes[position])
        {
          position += 1
        }
      }
    }

    /// An object's or array's members, from its opening bracket to `closing`: `member` reads
    /// the index-th one.
    mutating func members(closing: UInt8, _ member: (inout Self, Int) throws -> Void) throws {
      position += 1
      skipSpace()
      if position < bytes.count, bytes[position] == closing {
        position += 1
        return
      }
      var index = 0
      repeat {
        try member(&self, index)
        index += 1
        skipSpace()
      } while try separator(closing: closing)
    }

    /// After a member: true at `,`, false at `closing` (consumed).
    mutating func separator(closing: UInt8) throws -> Bool {
      guard position < bytes.count else { throw Malformed() }
      position += 1
      if bytes[position - 1] == UInt8(ascii: ",") { return true }
      guard bytes[position - 1] == closing else { throw Malformed() }
      return false
    }
  }
}
