import Foundation
import VLP

/// A session on disk: `ROOT/NAME/session.json`, with the run's outputs beside it (git-ignored):
///
///     metrics.jsonl          one line per step per variant
///     eval.jsonl             one line per evaluation per variant
///     checkpoints/VARIANT/   step-00001500.safetensors, ...
///     run.log                what the engine did: starts, evaluations, checkpoints, errors
public struct SessionFolder: Sendable, Equatable {
  public let name: String
  public let url: URL

  /// `sessions/` under the current directory.
  public static let defaultRoot = URL(fileURLWithPath: "sessions", isDirectory: true)

  /// Resolves a session name inside `root`. The name may not escape it: no '/', no leading '.'.
  public init(name: String, root: URL = SessionFolder.defaultRoot) throws {
    guard Self.isValidName(name) else { throw SessionError.invalidName(name) }
    self.name = name
    url = root.appendingPathComponent(name, isDirectory: true)
  }

  /// As `init`, and the folder must hold a session.json.
  public static func existing(_ name: String, root: URL = SessionFolder.defaultRoot) throws
    -> SessionFolder
  {
    let folder = try SessionFolder(name: name, root: root)
    guard FileManager.default.fileExists(atPath: folder.sessionFile.path) else {
      throw SessionError.notFound(name: name, root: root.relativePath, available: list(root: root))
    }
    return folder
  }

  /// A SESSION as a command takes it: a name under `root` (`default`), or the path of a session
  /// folder, relative or absolute, with or without a trailing slash (`sessions/default/`, as
  /// shells complete it). An argument that is a valid name is a name; anything else is a path.
  public static func resolve(_ argument: String, root: URL = SessionFolder.defaultRoot) throws
    -> SessionFolder
  {
    isValidName(argument) ? try existing(argument, root: root) : try SessionFolder(path: argument)
  }

  /// The session folder at `path`, which must be a folder holding a session.json. The name is
  /// the folder's own name; `url` keeps the path as given (relative paths stay relative, so
  /// messages show what the user typed).
  public init(path: String) throws {
    guard !path.isEmpty else { throw SessionError.invalidName(path) }
    let given = URL(fileURLWithPath: path, isDirectory: true)
    let shown = given.relativePath
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: given.path, isDirectory: &isDirectory) else {
      throw SessionError.notASessionFolder(path: shown, problem: "no such folder")
    }
    guard isDirectory.boolValue else {
      throw SessionError.notASessionFolder(
        path: shown, problem: "a file, not a folder (give the folder that holds session.json)")
    }
    guard FileManager.default.fileExists(atPath: given.appendingPathComponent("session.json").path)
    else {
      let inside = Self.list(root: given)
      throw SessionError.notASessionFolder(
        path: shown,
        problem: "no session.json in it"
          + (inside.isEmpty ? "" : " (sessions in it: \(inside.joined(separator: ", ")))"))
    }
    name = given.standardizedFileURL.lastPathComponent
    url = given
  }

  /// The folder this session sits in, where its sibling sessions are.
  public var root: URL { url.standardizedFileURL.deletingLastPathComponent() }

  public static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
  }

  /// The sessions under `root` (folders with a session.json), sorted.
  public static func list(root: URL = SessionFolder.defaultRoot) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.filter { name in
      isValidName(name)
        && FileManager.default.fileExists(
          atPath: root.appendingPathComponent(name).appendingPathComponent("session.json").path)
    }.sorted()
  }

  public var sessionFile: URL { url.appendingPathComponent("session.json") }
  public var metricsFile: URL { url.appendingPathComponent("metrics.jsonl") }
  public var evaluationFile: URL { url.appendingPathComponent("eval.jsonl") }
  public var logFile: URL { url.appendingPathComponent("run.log") }
  public var checkpointsFolder: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }

  public func checkpointFolder(variant: String) -> URL {
    checkpointsFolder.appendingPathComponent(variant, isDirectory: true)
  }

  /// session.json parsed strictly, with `--set` overrides applied to every variant.
  public func definition(overrides: [String] = []) throws -> SessionDefinition {
    try SessionDefinition(contentsOf: sessionFile, overrides: overrides)
  }
}
