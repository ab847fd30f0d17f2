import Foundation
import Testing

@testable import TUI

/// Compares a canvas with `Snapshots/<name>.txt` beside this file. With
/// `VLP_RECORD_SNAPSHOTS=1` in the environment it writes the file instead and fails, saying so,
/// so that a recording run can never pass by accident.
func expectSnapshot(
  _ canvas: Canvas, named name: String, filePath: String = #filePath,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let actual = canvas.snapshotText()
  let url = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots").appendingPathComponent(name + ".txt")
  if ProcessInfo.processInfo.environment["VLP_RECORD_SNAPSHOTS"] == "1" {
    do {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try actual.write(to: url, atomically: true, encoding: .utf8)
      Issue.record(
        "recorded snapshot \(url.path); run again without VLP_RECORD_SNAPSHOTS to check it",
        sourceLocation: sourceLocation)
    } catch {
      Issue.record("cannot record snapshot \(url.path): \(error)", sourceLocation: sourceLocation)
    }
    return
  }
  guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
    Issue.record(
      "missing snapshot \(url.path); record it with VLP_RECORD_SNAPSHOTS=1",
      sourceLocation: sourceLocation)
    return
  }
  guard expected != actual else { return }
  let actualURL = FileManager.default.temporaryDirectory
    .appendingPathComponent(name.replacingOccurrences(of: "/", with: "-") + ".actual.txt")
  try? actual.write(to: actualURL, atomically: true, encoding: .utf8)
  let differences = firstDifferences(expected: expected, actual: actual)
  Issue.record(
    "snapshot \(name) differs (actual in \(actualURL.path)):\n\(differences)",
    sourceLocation: sourceLocation)
}

/// The first few lines that differ, numbered, expected above actual.
private func firstDifferences(expected: String, actual: String, limit: Int = 6) -> String {
  let (old, new) = (
    expected.split(separator: "\n", omittingEmptySubsequences: false),
    actual.split(separator: "\n", omittingEmptySubsequences: false)
  )
  var report: [String] = []
  for index in 0..<max(old.count, new.count) where report.count < 2 * limit {
    let (a, b) = (
      index < old.count ? old[index] : "<none>", index < new.count ? new[index] : "<none>"
    )
    if a != b {
      report += ["line \(index + 1) expected: \(a)", "line \(index + 1) actual:   \(b)"]
    }
  }
  return report.joined(separator: "\n")
}
