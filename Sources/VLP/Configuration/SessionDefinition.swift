import Foundation

/// A session.json: a pretraining configuration (the keys of `PretrainingConfiguration`) plus a
/// description and a list of variants, each a name and `key=value` overrides of the base:
///
///     { "description": "...", "model": {...}, "objectives": {...}, ...,
///       "variants": [ { "name": "fine", "set": { "data.tags": "fine" } }, ... ] }
///
/// Without variants the session has one, named "main". Every variant is decoded strictly up
/// front, so a bad override is reported (with the variant's name) before anything trains.
public struct SessionDefinition: Sendable {
  public struct Variant: Sendable {
    public var name: String
    public var configuration: PretrainingConfiguration
  }

  /// When the engine saves checkpoints and how many it keeps (`"checkpoints": {...}`).
  public struct CheckpointPolicy: Sendable, Equatable {
    /// Save every this many steps (0: only at the end of a run and when it stops).
    public var every = 500
    /// The most recent checkpoints kept per variant; the best one (by evaluation) is kept too.
    public var keep = 3

    public init() {}
  }

  public var description: String
  public var variants: [Variant]
  public var checkpoints = CheckpointPolicy()

  /// Parses session.json text; `source` names the file in errors. `overrides` (the command
  /// line's `--set`) apply to every variant, after the variant's own.
  public init(json: Data, source: String, overrides: [String] = []) throws {
    guard
      let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
    else {
      throw DataError.invalidConfiguration(
        field: source, reason: "not a JSON object; see docs/sessions.md for the format")
    }
    var base = object
    description = base.removeValue(forKey: "description") as? String ?? ""
    let variantList = base.removeValue(forKey: "variants") ?? []
    if let policy = base.removeValue(forKey: "checkpoints") {
      checkpoints = try Self.checkpointPolicy(policy, source: source)
    }
    guard let entries = variantList as? [[String: Any]] else {
      throw DataError.invalidConfiguration(
        field: "\(source): variants", reason: "expected a list of {\"name\": ..., \"set\": {...}}")
    }
    let commandLine = try overrides.map(ConfigurationOverrides.parse)
    var variants: [Variant] = []
    for (position, entry) in (entries.isEmpty ? [["name": "main"]] : entries).enumerated() {
      let field = "\(source): variants[\(position)]"
      guard let name = entry["name"] as? String, Self.isValidName(name) else {
        throw DataError.invalidConfiguration(
          field: "\(field).name", reason: "expected a name of letters, digits, '-' or '_'")
      }
      guard Set(entry.keys).isSubset(of: ["name", "set"]) else {
        throw DataError.unknownConfigurationKey(
          field: "\(field).\(Set(entry.keys).subtracting(["name", "set"]).sorted()[0])",
          known: ["name", "set"])
      }
      guard variants.allSatisfy({ $0.name != name }) else {
        throw DataError.invalidConfiguration(field: "\(field).name", reason: "'\(name)' appears twice")
      }
      let sets = (entry["set"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
      let patched = try ConfigurationOverrides.apply(
        sets.map { ($0.key, $0.value) } + commandLine, to: base)
      do {
        variants.append(Variant(name: name, configuration: try PretrainingConfiguration.decode(patched)))
      } catch let DataError.invalidConfiguration(key, reason) {
        throw DataError.invalidConfiguration(field: "\(source) (variant \(name)): \(key)", reason: reason)
      } catch let DataError.unknownConfigurationKey(key, known) {
        throw DataError.unknownConfigurationKey(field: "\(source) (variant \(name)): \(key)", known: known)
      }
    }
    self.variants = variants
  }

  public init(contentsOf url: URL, overrides: [String] = []) throws {
    guard let data = try? Data(contentsOf: url) else {
      throw DataError.missingFile(path: url.path, hint: "the session folder needs a session.json")
    }
    try self.init(json: data, source: url.path, overrides: overrides)
    // Data paths are relative to the session folder.
    let folder = url.deletingLastPathComponent().path
    for index in variants.indices { variants[index].configuration.data.baseFolder = folder }
  }

  static func checkpointPolicy(_ value: Any, source: String) throws -> CheckpointPolicy {
    guard value is [String: Any] else {
      throw DataError.invalidConfiguration(
        field: "\(source): checkpoints", reason: "expected {\"every\": steps, \"keep\": count}")
    }
    do {
      let data = try JSONSerialization.data(withJSONObject: ["checkpoints": value])
      return try JSONDecoder().decode([String: CheckpointPolicy].self, from: data)["checkpoints"]!
    } catch DataError.invalidConfiguration(let key, let reason) {
      throw DataError.invalidConfiguration(field: "\(source): \(key)", reason: reason)
    } catch DataError.unknownConfigurationKey(let key, let known) {
      throw DataError.unknownConfigurationKey(field: "\(source): \(key)", known: known)
    }
  }

  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 64
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
  }
}

extension SessionDefinition.CheckpointPolicy: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable { case every, keep }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&every, .every)
    try c.read(&keep, .keep)
    try c.check(every, 0...100_000_000, .every)
    try c.check(keep, 1...1000, .keep)
  }
}
