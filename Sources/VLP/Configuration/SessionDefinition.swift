import Foundation
import Tensor

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
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
    } catch {
      let problem = JSONText.syntaxProblem(error, data: json, file: source, line: nil)
      throw DataError.invalidConfiguration(
        field: problem.file + (problem.line.map { ":\($0)" } ?? ""),
        reason: problem.reason + "; see docs/sessions.md for the format")
    }
    guard let object = parsed as? [String: Any] else {
      throw DataError.invalidConfiguration(
        field: source,
        reason: "expected a JSON object ({\"model\": ..., ...}), found "
          + JSONText.kindName(parsed) + "; see docs/sessions.md for the format")
    }
    // The command line's `--set` may name any key of the file: the session's own keys
    // (description, checkpoints.*) are applied here, the configuration's to every variant.
    let commandLine = try overrides.map(ConfigurationOverrides.parseCommandLine)
    try ConfigurationNumbers.checkSizes(object) { "\(source): \($0)" }
    for set in commandLine {
      try ConfigurationNumbers.checkSizes(set.value) { _ in "--set \(set.key)" }
    }
    let sessionKeys = commandLine.filter { Self.sessionKeys.contains(String($0.key.prefix { $0 != "." })) }
    let configurationKeys = commandLine.filter { !Self.sessionKeys.contains(String($0.key.prefix { $0 != "." })) }
    var base = try ConfigurationOverrides.blamingCommandLine(sessionKeys) {
      try ConfigurationOverrides.apply(sessionKeys, to: object)
    }
    let text = base.removeValue(forKey: "description")
    guard text == nil || text is String else {
      let setByCommandLine = sessionKeys.contains { $0.key == "description" }
      throw DataError.invalidConfiguration(
        field: setByCommandLine ? "--set description" : "\(source): description",
        reason: "expected a string")
    }
    description = text as? String ?? ""
    let variantList = base.removeValue(forKey: "variants") ?? []
    if let policy = base.removeValue(forKey: "checkpoints") {
      checkpoints = try Self.checkpointPolicy(policy, source: source, commandLine: sessionKeys)
    }
    guard let entries = variantList as? [[String: Any]] else {
      throw DataError.invalidConfiguration(
        field: "\(source): variants", reason: "expected a list of {\"name\": ..., \"set\": {...}}")
    }
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
      guard let set = entry["set"] as? [String: Any] ?? (entry["set"] == nil ? [:] : nil) else {
        throw DataError.invalidConfiguration(
          field: "\(field).set", reason: "expected an object of dotted keys and values")
      }
      let sets = set.sorted { $0.key < $1.key }
      do {
        let patched = try ConfigurationOverrides.apply(sets.map { ($0.key, $0.value) }, to: base)
        let configuration = try ConfigurationOverrides.blamingCommandLine(configurationKeys) {
          try PretrainingConfiguration.decode(
            try ConfigurationOverrides.apply(configurationKeys, to: patched))
        }
        variants.append(Variant(name: name, configuration: configuration))
      } catch let DataError.invalidConfiguration(key, reason) where !key.hasPrefix("--set ") {
        throw DataError.invalidConfiguration(field: "\(source) (variant \(name)): \(key)", reason: reason)
      } catch let DataError.unknownConfigurationKey(key, known) where !key.hasPrefix("--set ") {
        throw DataError.unknownConfigurationKey(field: "\(source) (variant \(name)): \(key)", known: known)
      }
    }
    self.variants = variants
  }

  /// The keys of session.json that belong to the session, not to a variant's configuration.
  static let sessionKeys: Set<String> = ["description", "checkpoints", "variants"]

  public init(contentsOf url: URL, overrides: [String] = []) throws {
    let data: [UInt8]
    do throws(UserFileError) {
      data = try UserFile.read(url.path, limit: Self.maximumFileBytes)
    } catch .missing {
      throw DataError.missingFile(path: url.path, hint: "the session folder needs a session.json")
    } catch {
      throw DataError.unrecognizedFormat(path: url.path, reason: error.reason)
    }
    try self.init(json: Data(data), source: url.path, overrides: overrides)
    // Data paths are relative to the session folder.
    let folder = url.deletingLastPathComponent().path
    for index in variants.indices { variants[index].configuration.data.baseFolder = folder }
  }

  /// session.json is kilobytes; a larger file is not one.
  public static let maximumFileBytes = 16 << 20

  static func checkpointPolicy(
    _ value: Any, source: String, commandLine: [(key: String, value: Any)]
  ) throws -> CheckpointPolicy {
    do {
      return try ConfigurationOverrides.blamingCommandLine(commandLine) {
        guard value is [String: Any] else {
          throw DataError.invalidConfiguration(
            field: "checkpoints", reason: "expected {\"every\": steps, \"keep\": count}")
        }
        let data = try JSONSerialization.data(withJSONObject: ["checkpoints": value])
        do {
          return try JSONDecoder().decode([String: CheckpointPolicy].self, from: data)["checkpoints"]!
        } catch let error as DecodingError {
          let field = PretrainingConfiguration.field(of: error)
          if field == "(configuration)", let (key, value) = ConfigurationNumbers.culprit(in: data, {
            _ = try JSONDecoder().decode([String: CheckpointPolicy].self, from: $0)
          }) {
            throw DataError.invalidConfiguration(
              field: key, reason: ConfigurationNumbers.unreadable(value))
          }
          throw DataError.invalidConfiguration(
            field: field, reason: "cannot be read as a configuration value")
        }
      }
    } catch DataError.invalidConfiguration(let key, let reason) where !key.hasPrefix("--set ") {
      throw DataError.invalidConfiguration(field: "\(source): \(key)", reason: reason)
    } catch DataError.unknownConfigurationKey(let key, let known) where !key.hasPrefix("--set ") {
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
