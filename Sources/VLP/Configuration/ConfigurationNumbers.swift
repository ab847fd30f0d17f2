import Foundation

/// A number JSON can write but no key of session.json takes: a whole number past 2^64-1 (or
/// below -2^63). Foundation reads one, then cannot decode the configuration again and loses the
/// key on the way; this finds it first and names it (issue 22).
enum ConfigurationNumbers {
  /// Throws for the first such number under `value`, naming it by `blame(dotted path)`.
  static func checkSizes(_ value: Any, path: String = "", blame: (String) -> String) throws {
    switch value {
    case let object as [String: Any]:
      for key in object.keys.sorted() {
        try checkSizes(object[key]!, path: path.isEmpty ? key : "\(path).\(key)", blame: blame)
      }
    case let list as [Any]:
      for (index, element) in list.enumerated() {
        try checkSizes(element, path: "\(path)[\(index)]", blame: blame)
      }
    case let number as NSNumber:
      let double = number.doubleValue
      guard double.isFinite, double.magnitude >= 0x1p63 else { return }
      // Seeds take 0...2^64-1: a whole number Foundation holds exactly is fine.
      if double > 0, number.description == String(number.uint64Value) { return }
      if double < 0, number.description == String(number.int64Value) { return }
      throw DataError.invalidConfiguration(
        field: blame(path),
        reason: "\(number) is past every range: no key takes a number beyond 2^64-1 (the "
          + "ranges are in docs/sessions.md)")
    default:
      return
    }
  }

  /// The dotted key of the JSON object in `data` that makes `decode` fail without naming a key
  /// (Foundation loses the key of a number it cannot convert, e.g. 0.5 for a whole number):
  /// the first leaf whose removal makes that failure go away. nil if none does.
  static func culprit(in data: Data, _ decode: (Data) throws -> Void) -> (key: String, value: Any)? {
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      return nil
    }
    for (path, value) in leaves(of: object) {
      guard let reduced = try? JSONSerialization.data(withJSONObject: removing(path, from: object))
      else { continue }
      do {
        try decode(reduced)
        return (path.joined(separator: "."), value)
      } catch let error as DecodingError where PretrainingConfiguration.field(of: error) == "(configuration)" {
        continue
      } catch {
        return (path.joined(separator: "."), value)
      }
    }
    return nil
  }

  /// What is wrong with a value the decoder could not convert, as a reason.
  static func unreadable(_ value: Any) -> String {
    let shown = (value as? NSNumber).map { "\($0)" } ?? JSONText.kindName(value)
    return "cannot be read as this key's value (got \(shown): a whole number where a count or "
      + "step is meant?); docs/sessions.md lists each key's type and range"
  }

  private static func leaves(of object: [String: Any], under path: [String] = []) -> [([String], Any)] {
    object.keys.sorted().flatMap { key -> [([String], Any)] in
      if let nested = object[key] as? [String: Any] { return leaves(of: nested, under: path + [key]) }
      return [(path + [key], object[key]!)]
    }
  }

  private static func removing(_ path: [String], from object: [String: Any]) -> [String: Any] {
    var copy = object
    guard let first = path.first else { return copy }
    if path.count == 1 {
      copy.removeValue(forKey: first)
    } else if let nested = copy[first] as? [String: Any] {
      copy[first] = removing(Array(path.dropFirst()), from: nested)
    }
    return copy
  }
}
