import Foundation
import NN

/// Deterministic JSON output (fixed key order, shortest round-trip numbers), so that an export
/// is byte-identical for the same seed; and JSON input with errors located by line.
enum JSONText {
  static func string(_ text: String) -> String { JSONStringLiteral.quoted(text) }

  /// Swift's shortest representation that reads back to the same Float ("0.25", "1e-05").
  static func number(_ value: Float) -> String {
    precondition(value.isFinite, "JSON has no representation for \(value)")
    return value == value.rounded() && abs(value) < 1e7 ? String(Int(value)) : "\(value)"
  }

  /// `{"a": 1, "b": [..]}` from already-encoded values, in the given order.
  static func object(_ members: [(String, String)]) -> String {
    "{" + members.map { string($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
  }

  static func array(_ elements: [String]) -> String {
    "[" + elements.joined(separator: ", ") + "]"
  }

  /// Parses a JSON document; a syntax error names the file with line and column.
  static func parse(_ data: Data, file: String, line: Int? = nil) throws -> Any {
    do {
      return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw DataError.invalidData(
        problems: [syntaxProblem(error, data: data, file: file, line: line)], total: 1)
    }
  }

  /// Foundation reports "around character N": turned into line:column of the file, or the
  /// column within `line` for JSON embedded in one line of a TSV.
  static func syntaxProblem(_ error: Error, data: Data, file: String, line: Int?) -> DataProblem {
    let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    var offset: Int?
    if let range = message.range(of: "character ") {
      offset = Int(message[range.upperBound...].prefix { $0.isNumber })
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
