import Foundation

/// Strict decoding for configuration files: every key must be known, every value of the right
/// type; a missing key keeps its default. Errors name the full dotted path of the field (as
/// `--set` spells it) and what it accepts, so a typo in session.json is never silently ignored.
struct StrictContainer<Key: CodingKey & CaseIterable & RawRepresentable>
where Key.RawValue == String {
  let container: KeyedDecodingContainer<Key>
  let path: String

  init(_ decoder: any Decoder) throws {
    path = decoder.codingPath.map(\.stringValue).map { $0 + "." }.joined()
    let known = Key.allCases.map(\.rawValue)
    let any = try decoder.container(keyedBy: AnyCodingKey.self)
    for key in any.allKeys where !known.contains(key.stringValue) {
      throw DataError.unknownConfigurationKey(field: path + key.stringValue, known: known)
    }
    container = try decoder.container(keyedBy: Key.self)
  }

  /// Decodes `key` into `value` when present.
  func read<T: Decodable>(_ value: inout T, _ key: Key) throws {
    do {
      if let decoded = try container.decodeIfPresent(T.self, forKey: key) { value = decoded }
    } catch let error as DataError {
      throw error
    } catch is DecodingError {
      throw DataError.invalidConfiguration(
        field: path + key.rawValue, reason: "expected \(StrictContainer.describe(T.self))")
    }
  }

  /// Decodes an enumeration spelled as a string, listing the allowed values on error.
  func read<T: RawRepresentable & CaseIterable>(_ value: inout T, _ key: Key) throws
  where T.RawValue == String {
    guard let text = try? container.decodeIfPresent(String.self, forKey: key) else {
      if container.contains(key) { throw invalidChoice(T.self, key, got: "a non-string value") }
      return
    }
    guard let decoded = T(rawValue: text) else { throw invalidChoice(T.self, key, got: "'\(text)'") }
    value = decoded
  }

  func check<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ key: Key) throws {
    guard range.contains(value) else {
      throw DataError.invalidConfiguration(
        field: path + key.rawValue,
        reason: "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
    }
  }

  /// A value strictly between two bounds (a probability that must mask something).
  func check(_ value: Float, between lower: Float, and upper: Float, _ key: Key) throws {
    guard value > lower, value < upper else {
      throw DataError.invalidConfiguration(
        field: path + key.rawValue, reason: "must be in (\(lower), \(upper)), got \(value)")
    }
  }

  func fail(_ key: Key, _ reason: String) -> DataError {
    .invalidConfiguration(field: path + key.rawValue, reason: reason)
  }

  private func invalidChoice<T: RawRepresentable & CaseIterable>(
    _ type: T.Type, _ key: Key, got: String
  ) -> DataError where T.RawValue == String {
    let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
    return .invalidConfiguration(field: path + key.rawValue, reason: "expected one of \(allowed), got \(got)")
  }

  private static func describe(_ type: Any.Type) -> String {
    switch type {
    case is Double.Type, is Float.Type: "a number"
    case is Int.Type, is UInt64.Type: "a whole number"
    case is Bool.Type: "true or false"
    case is String.Type, is String?.Type: "a string"
    default: "a JSON object of the documented shape"
    }
  }
}
