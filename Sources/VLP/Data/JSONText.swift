import Foundation

/// JSON input with errors located by line (output is written by NN's `JSONValue`).
enum JSONText {
  /// Parses a JSON document; a syntax error names the file with line and column.
  static func parse(_ data: Data, file: String, line: Int? = nil) throws -> Any {
    do {
      return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw DataError.invalidData(
        problems: [syntaxProblem(error, data: data, file: file, line: line)], total: 1)
    }
  }

  /// Foundation reports "around character N" (or "around line L, column C"): turned into
  /// line:column of the file, or the column within `line` for JSON embedded in one line of a TSV.
  static func syntaxProblem(_ error: Error, data: Data, file: String, line: Int?) -> DataProblem {
    let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    // Newer Foundations say "around line L, column C" themselves.
    if let lineRange = message.range(of: "line "), let columnRange = message.range(of: "column "),
      let lineNumber = Int(message[lineRange.upperBound...].prefix { $0.isNumber }),
      let column = Int(message[columnRange.upperBound...].prefix { $0.isNumber })
    {
      return DataProblem(
        file: file, line: (line ?? 1) + lineNumber - 1,
        reason: "invalid JSON at column \(column) (\(message))")
    }
    var offset: Int?
    if let range = message.range(of: "character ") {
      offset = Int(message[range.upperBound...].prefix { $0.isNumber })
    }
    // "Number 1e999 is not representable in Swift.": no position given; the number's first
    // appearance in the text is where it is.
    if offset == nil, let start = message.range(of: "Number "),
      let end = message.range(of: " is not representable", range: start.upperBound..<message.endIndex),
      let found = data.firstRange(of: Data(message[start.upperBound..<end.lowerBound].utf8))
    {
      offset = found.lowerBound - data.startIndex
    }
    guard let offset else {
      return DataProblem(file: file, line: line, reason: "invalid JSON (\(message))")
    }
    let prefix = data.prefix(offset)
    let newlines = prefix.filter { $0 == 0x0A }.count
    let column = offset - (prefix.lastIndex(of: 0x0A).map { $0 - prefix.startIndex + 1 } ?? 0) + 1
    return DataProblem(
      file: file, line: (line ?? 1) + newlines,
      reason: "invalid JSON at column \(column) (\(message))")
  }

  /// What a parsed JSON value is, for messages: "a list", "the string \"x\"".
  static func kindName(_ value: Any) -> String {
    switch value {
    case is [Any]: "a list"
    case is [String: Any]: "an object"
    case let text as String: "the string \"\(text.prefix(40))\""
    case is NSNull: "null"
    default: numeric(value).map { "the number \($0)" } ?? "true or false"
    }
  }

  /// A JSON number; never a JSON boolean. (`value is Bool` cannot tell: Foundation bridges
  /// the numbers 0 and 1 to Bool too. Booleans are the NSNumbers of type "c".)
  static func numeric(_ value: Any?) -> NSNumber? {
    guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else {
      return nil
    }
    return number
  }

  /// A whole-number JSON value.
  static func integer(_ value: Any?) -> Int? {
    numeric(value).flatMap { Int(exactly: $0.doubleValue) }
  }

  static func float(_ value: Any?) -> Float? {
    numeric(value)?.floatValue
  }
}
