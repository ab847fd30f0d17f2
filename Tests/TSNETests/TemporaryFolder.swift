import Foundation

/// A fresh folder under the system's temporary directory for the file readers' tests, removed
/// when the test is done with it (`defer { folder.remove() }`). The same helper as VLPTests'
/// (a test target cannot import another test target).
struct TemporaryFolder {
  let path: String

  init() throws {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "vlp-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func child(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

  func write(_ relative: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: child(relative)))
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
