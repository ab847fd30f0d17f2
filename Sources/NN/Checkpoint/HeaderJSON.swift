/// A small, strict JSON reader for safetensors headers (they are written by `JSONValue`).
///
/// Why not Foundation's JSONSerialization: its numbers arrive as NSNumber (on Linux a `true`
/// can read back as the integer 1 and 2^64 as a rounded Double), it silently keeps the last of
/// two equal keys, and it does not bound nesting. A header comes from a file the user gives us,
/// so the reader keeps integers as their literal text (converted exactly, or rejected, where
/// they are used), rejects duplicate keys and stops at a fixed depth instead of overflowing the
/// stack.
enum HeaderJSON: Equatable {
  case object([Member])
  case array([HeaderJSON])
  case string(String)
  /// The literal text of a number, e.g. `400`, `-1`, `1e3`; see `integerValue`.
  case number(String)
  case bool(Bool)
  case null

  struct Member: Equatable {
    let key: String
    let value: HeaderJSON
  }

  struct ParseError: Error, Equatable {
    let offset: Int
    let message: String
  }

  /// Deeper nesting than any safetensors header needs (it uses three levels).
  static let maximumDepth = 64

  /// The exact integer a number literal spells, or nil for fractions, exponents and values
  /// outside Int's range.
  var integerValue: Int? {
    guard case .number(let text) = self else { return nil }
    return Int(text)
  }

  var kindName: String {
    switch self {
    case .object: return "an object"
    case .array: return "an array"
    case .string: return "a string"
    case .number(let text): return "the number \(text)"
    case .bool(let flag): return "\(flag)"
    case .null: return "null"
    }
  }

  /// Parses one JSON value filling `bytes`, allowing whitespace (the spaces that pad a header to
  /// a multiple of 8 bytes) around it.
  static func parse(_ bytes: [UInt8]) throws(ParseError) -> HeaderJSON {
    var parser = HeaderJSONParser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else {
      throw ParseError(offset: parser.index, message: "unexpected text after the JSON value")
    }
    return value
  }
}

/// Recursive-descent parser over the header bytes; `index` is the next unread byte.
struct HeaderJSONParser {
  typealias ParseError = HeaderJSON.ParseError
  let bytes: [UInt8]
  var index = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func skipWhitespace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  private func fail(_ message: String) -> ParseError {
    ParseError(offset: index, message: message)
  }

  private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  mutating func parseValue(depth: Int) throws(ParseError) -> HeaderJSON {
    guard depth < HeaderJSON.maximumDepth else {
      throw fail("nested deeper than \(HeaderJSON.maximumDepth) levels")
    }
    guard let byte = current else { throw fail("unexpected end of the header") }
    switch byte {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    case UInt8(ascii: "t"):
      try expectWord("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectWord("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectWord("null")
      return .null
    default: throw fail("unexpected character '\(Character(Unicode.Scalar(byte)))'")
    }
  }

  private mutating func expectWord(_ word: String) throws(ParseError) {
    for expected in word.utf8 {
      guard current == expected else { throw fail("expected \(word)") }
      index += 1
    }
  }

  private mutating func parseObject(depth: Int) throws(ParseError) -> HeaderJSON {
    index += 1  // {
    var members: [HeaderJSON.Member] = []
    var seen = Set<String>()
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
      let keyOffset = index
      let key = try parseString()
      guard seen.insert(key).inserted else {
        throw ParseError(offset: keyOffset, message: "key \"\(key)\" appears twice")
      }
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
      index += 1
      skipWhitespace()
      members.append(.init(key: key, value: try parseValue(depth: depth + 1)))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): index += 1
      case UInt8(ascii: "}"):
        index += 1
        return .object(members)
      default: throw fail("expected ',' or '}' in an object")
      }
    }
  }

  private mutating func parseArray(depth: Int) throws(ParseError) -> HeaderJSON {
    index += 1  // [
    var elements: [HeaderJSON] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): index += 1
      case UInt8(ascii: "]"):
        index += 1
        return .array(elements)
      default: throw fail("expected ',' or ']' in an array")
      }
    }
  }

  /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text.
  private mutating func parseNumber() throws(ParseError) -> HeaderJSON {
    let start = index
    func isDigit(_ byte: UInt8?) -> Bool {
      byte.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false
    }
    if current == UInt8(ascii: "-") { index += 1 }
    guard isDigit(current) else { throw fail("expected a digit") }
    if current == UInt8(ascii: "0") {
      index += 1
    } else {
      while isDigit(current) { index += 1 }
    }
    if current == UInt8(ascii: ".") {
      index += 1
      guard isDigit(current) else { throw fail("expected a digit after '.'") }
      while isDigit(current) { index += 1 }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      index += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
      guard isDigit(current) else { throw fail("expected a digit in the exponent") }
      while isDigit(current) { index += 1 }
    }
    return .number(String(decoding: bytes[start..<index], as: UTF8.self))
  }

  /// A string literal; the header was checked to be UTF-8 before parsing, so raw bytes are
  /// copied through and only escapes need decoding.
  private mutating func parseString() throws(ParseError) -> String {
    index += 1  // opening quote
    var utf8: [UInt8] = []
    while true {
      guard let byte = current else { throw fail("unterminated string") }
      index += 1
      switch byte {
      case UInt8(ascii: "\""):
        return String(decoding: utf8, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard let escape = current else { throw fail("unterminated escape") }
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"): utf8.append(contentsOf: try parseUnicodeEscape())
        default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
        }
      case 0..<0x20:
        throw fail("control character in a string (must be escaped)")
      default:
        utf8.append(byte)
      }
    }
  }

  /// After `\u`: four hex digits, or a surrogate pair spelled as two escapes.
  private mutating func parseUnicodeEscape() throws(ParseError) -> [UInt8] {
    var value = try parseHex4()
    if (0xD800..<0xDC00).contains(value) {
      guard current == UInt8(ascii: "\\"), index + 1 < bytes.count,
        bytes[index + 1] == UInt8(ascii: "u")
      else { throw fail("lone high surrogate in a \\u escape") }
      index += 2
      let low = try parseHex4()
      guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate") }
      value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
    }
    guard let scalar = Unicode.Scalar(value) else { throw fail("invalid \\u escape") }
    return Array(String(Character(scalar)).utf8)
  }

  private mutating func parseHex4() throws(ParseError) -> UInt32 {
    guard index + 4 <= bytes.count,
      let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
      bytes[index..<index + 4].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
    else { throw fail("expected four hex digits after \\u") }
    index += 4
    return value
  }
}
