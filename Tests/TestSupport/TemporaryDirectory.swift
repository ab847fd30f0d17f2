import Foundation

/// A fresh folder under the system's temporary directory (`vlp-PREFIX-UUID`), for every test
/// that writes files. Remove it when done: `defer { directory.remove() }`.
public struct TemporaryDirectory: Sendable {
  public let url: URL

  public init(_ prefix: String = "tests") throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("vlp-\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  public var path: String { url.path }

  public func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }

  public func child(_ relative: String) -> String { file(relative).path }

  /// Writes `text` to `relative`, creating the folders on the way; returns the file's URL.
  @discardableResult
  public func write(_ relative: String, _ text: String) throws -> URL {
    let file = file(relative)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: file)
    return file
  }

  public func read(_ relative: String) throws -> Data { try Data(contentsOf: file(relative)) }

  /// Every file under the folder (relative path -> bytes), to compare two exports.
  public func contents() throws -> [String: Data] {
    var result: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: path)
    while let relative = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: child(relative), isDirectory: &isDirectory)
      if !isDirectory.boolValue { result[relative] = try read(relative) }
    }
    return result
  }

  public func remove() { try? FileManager.default.removeItem(at: url) }
}
