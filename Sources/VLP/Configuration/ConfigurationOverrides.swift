import Foundation

/// `key=value` overrides on a configuration's JSON object (the command line's `--set` and a
/// session's variants): `training.batchSize=64`, `data.tags=coarse`, `objectives.itc=0`. The
/// value is read as JSON when it parses (numbers, true/false, quoted strings, objects) and as a
/// bare string otherwise, so `data.tags=coarse` needs no quotes. The patched object is then
/// decoded strictly, so a misspelt key is reported with the keys that exist.
public enum ConfigurationOverrides {
  /// Parses `key=value`.
  public static func parse(_ assignment: String) throws -> (key: String, value: Any) {
    guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
      throw DataError.invalidConfiguration(
        field: assignment, reason: "an override is written key=value, e.g. training.steps=2000")
    }
    let key = String(assignment[..<equals])
    let text = String(assignment[assignment.index(after: equals)...])
    return (key, parseValue(text))
  }

  /// Parses a command line's `--set key=value`; errors name the `--set`.
  public static func parseCommandLine(_ assignment: String) throws -> (key: String, value: Any) {
    do {
      return try parse(assignment)
    } catch DataError.invalidConfiguration(_, let reason) {
      throw DataError.invalidConfiguration(field: "--set \(assignment)", reason: reason)
    }
  }

  /// Runs `body`, blaming an error about a key that one of `commandLine` set (the key itself, a
  /// group it set, or a key inside it) on that `--set` instead of the file.
  static func blamingCommandLine<T>(
    _ commandLine: [(key: String, value: Any)], _ body: () throws -> T
  ) throws -> T {
    func culprit(_ field: String) -> String? {
      commandLine.last { set in
        field == set.key || field.hasPrefix(set.key + ".") || set.key.hasPrefix(field + ".")
      }?.key
    }
    do {
      return try body()
    } catch DataError.invalidConfiguration(let field, let reason) where culprit(field) != nil {
      throw DataError.invalidConfiguration(field: "--set \(culprit(field)!)", reason: reason)
    } catch DataError.unknownConfigurationKey(let field, let known) where culprit(field) != nil {
      throw DataError.unknownConfigurationKey(field: "--set \(field)", known: known)
    }
  }

  static func parseValue(_ text: String) -> Any {
    if let data = text.data(using: .utf8),
      let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    {
      return value
    }
    return text
  }

  /// Sets each dotted key in `object`, creating intermediate objects as needed.
  public static func apply(_ overrides: [(key: String, value: Any)], to object: [String: Any])
    throws -> [String: Any]
  {
    var result = object
    for (key, value) in overrides {
      let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      guard !parts.contains(where: \.isEmpty) else {
        throw DataError.invalidConfiguration(field: key, reason: "empty part in the key")
      }
      result = try set(parts[...], value, in: result, fullKey: key)
    }
    return result
  }

  private static func set(
    _ parts: ArraySlice<String>, _ value: Any, in object: [String: Any], fullKey: String
  ) throws -> [String: Any] {
    var object = object
    let head = parts.first!
    if parts.count == 1 {
      object[head] = value
      return object
    }
    let child: [String: Any]
    switch object[head] {
    case nil: child = [:]
    case let existing as [String: Any]: child = existing
    default:
      throw DataError.invalidConfiguration(
        field: fullKey, reason: "'\(head)' holds a value, not a group of settings")
    }
    object[head] = try set(parts.dropFirst(), value, in: child, fullKey: fullKey)
    return object
  }
}
