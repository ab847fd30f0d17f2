import Foundation
import TestSupport
import Testing

@testable import VLP

/// Region features are read a row at a time: reading every row of a feature file several
/// times larger than the allowed growth leaves resident memory within that growth.
///
/// The measurement runs in a child process (this test binary, filtered to this test), since
/// the other suites allocate in parallel in this one and would blur the resident set.
@Suite struct RegionFeatureMemoryTests {
  static let childVariable = "VLP_FEATURE_MEMORY_CHILD"
  /// 1,600 rows of 40 boxes x 640 floats (100 KB of floats, 137 KB of base64): 219 MB.
  static let rows = 1600
  static let boxes = 40
  static let dimension = 640
  static let allowedGrowth = 48 << 20

  static func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
      return 0
    }
    let fields = text.split(separator: " ")
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// Reads every row, checking each; returns the growth of the resident set in bytes.
  static func measure(_ path: String, cache: String) throws -> Int {
    let file = try RegionFeatureFile(path: path, placement: LineIndexPlacement(cacheFolder: cache))
    let before = residentBytes()
    var peak = before
    for row in 0..<file.rowCount {
      let block = try file.read(row: row)
      guard block.boxCount == boxes,
        block.values[row % block.values.count] == Float(row % block.values.count)
      else { throw DataError.invalidConfiguration(field: "row \(row)", reason: "wrong values") }
      if row % 100 == 0 { peak = max(peak, residentBytes()) }
    }
    return max(peak, residentBytes()) - before
  }

  @Test func residentMemoryDoesNotGrowWithTheFeatureFile() throws {
    let environment = ProcessInfo.processInfo.environment
    if let path = environment[RegionFeatureMemoryTests.childVariable] {
      // The child: measure and report.
      let growth = try RegionFeatureMemoryTests.measure(path, cache: path + ".cache")
      try String(growth).write(toFile: path + ".growth", atomically: true, encoding: .utf8)
      return
    }
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let path = folder.child("features.tsv")
    let values = (0..<(RegionFeatureMemoryTests.boxes * RegionFeatureMemoryTests.dimension)).map(
      Float.init)
    let encoded = "\t\(RegionFeatureMemoryTests.boxes)\t" + FeatureCodec.encode(values) + "\n"
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    for row in 0..<RegionFeatureMemoryTests.rows {
      try handle.write(contentsOf: Data((String(row) + encoded).utf8))
    }
    try handle.close()
    let size = try #require(
      try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(size > 4 * RegionFeatureMemoryTests.allowedGrowth)

    let growth: Int
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    child.arguments = [
      "--testing-library", "swift-testing", "--filter",
      "RegionFeatureMemoryTests/residentMemoryDoesNotGrowWithTheFeatureFile",
    ]
    child.environment = environment.merging([RegionFeatureMemoryTests.childVariable: path]) { $1 }
    child.standardOutput = FileHandle.nullDevice
    child.standardError = FileHandle.nullDevice
    if (try? child.run()) != nil {
      child.waitUntilExit()
    }
    if let reported = try? String(contentsOfFile: path + ".growth", encoding: .utf8),
      let bytes = Int(reported)
    {
      growth = bytes
    } else {
      // No child could run this test alone: measure here (other suites may add noise).
      growth = try RegionFeatureMemoryTests.measure(path, cache: folder.child("cache"))
    }
    #expect(
      growth < RegionFeatureMemoryTests.allowedGrowth,
      "resident set grew by \(growth >> 20) MB reading a \(size >> 20) MB feature file")
  }
}
