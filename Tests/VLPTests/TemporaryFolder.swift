import Foundation

/// A fresh folder under the system's temporary directory, removed when the test is done with
/// it (`defer { folder.remove() }`); fixtures are written into it by the tests themselves.
struct TemporaryFolder {
  let path: String

  init() throws {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "vlp-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func child(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

  func write(_ relative: String, _ text: String) throws {
    let file = child(relative)
    try FileManager.default.createDirectory(
      atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
  }

  func read(_ relative: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: child(relative)))
  }

  /// Every file under the folder (relative path -> bytes), to compare two exports.
  func contents() throws -> [String: Data] {
    var result: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: path)
    while let relative = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: child(relative), isDirectory: &isDirectory)
      if !isDirectory.boolValue { result[relative] = try read(relative) }
    }
    return result
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
