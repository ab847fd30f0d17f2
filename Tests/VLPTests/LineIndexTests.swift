import Foundation
import TestSupport
import Testing

@testable import VLP

/// Oscar's `.lineidx`: used when present, written when absent (beside the TSV or in the cache),
/// rebuilt when older than its TSV, refused with file and line when it does not fit the TSV.
@Suite struct LineIndexTests {
  static let rows = ["a\t1\tAAAA", "bb\t2\tBBBBBBBB", "ccc\t0\t"]
  /// Oscar's generate_lineidx_file: the start of every line.
  static let offsets = [0, 9, 23]

  static func setUp() throws -> (TemporaryDirectory, String, LineIndexPlacement) {
    let folder = try TemporaryDirectory()
    try folder.write("data/features.tsv", rows.joined(separator: "\n") + "\n")
    let placement = LineIndexPlacement(cacheFolder: folder.child("cache"))
    return (folder, folder.child("data/features.tsv"), placement)
  }

  static func setModified(_ path: String, secondsAgo: Int) {
    var times = [timeval](repeating: timeval(), count: 2)
    var now = timeval()
    gettimeofday(&now, nil)
    times[0].tv_sec = now.tv_sec - secondsAgo
    times[1].tv_sec = now.tv_sec - secondsAgo
    utimes(path, times)
  }

  @Test func anAbsentIndexIsWrittenBesideInOscarsFormatAndThenUsed() throws {
    let (folder, tsv, placement) = try LineIndexTests.setUp()
    defer { folder.remove() }
    let first = try IndexedTSVFile(path: tsv, placement: placement)
    #expect(
      first.indexStatus
        == LineIndexStatus(action: .written, path: folder.child("data/features.lineidx")))
    #expect(first.index.offsets == LineIndexTests.offsets)
    #expect(
      String(decoding: try folder.read("data/features.lineidx"), as: UTF8.self) == "0\n9\n23\n")
    #expect(try first.keys() == ["a", "bb", "ccc"])
    #expect(String(decoding: try first.rowBytes(1), as: UTF8.self) == LineIndexTests.rows[1])
    let second = try IndexedTSVFile(path: tsv, placement: placement)
    #expect(second.indexStatus.action == .read && second.index == first.index)
    // Oscar's concat_tsv_files writes no final newline; such an index reads the same.
    try folder.write("data/features.lineidx", "0\n9\n23")
    #expect(
      try IndexedTSVFile(path: tsv, placement: placement).index.offsets == LineIndexTests.offsets)
  }

  @Test func anIndexOlderThanItsTSVIsRebuilt() throws {
    let (folder, tsv, placement) = try LineIndexTests.setUp()
    defer { folder.remove() }
    _ = try IndexedTSVFile(path: tsv, placement: placement)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tsv))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("dddd\t1\tDDDD\n".utf8))
    try handle.close()
    LineIndexTests.setModified(folder.child("data/features.lineidx"), secondsAgo: 60)
    let rebuilt = try IndexedTSVFile(path: tsv, placement: placement)
    #expect(rebuilt.indexStatus.action == .rebuiltStale)
    #expect(rebuilt.index.offsets == LineIndexTests.offsets + [30])
    #expect(String(decoding: try rebuilt.rowBytes(3), as: UTF8.self) == "dddd\t1\tDDDD")
    #expect(try IndexedTSVFile(path: tsv, placement: placement).indexStatus.action == .read)
  }

  @Test func withoutAWritableDataFolderTheIndexGoesToTheCache() throws {
    let (folder, tsv, _) = try LineIndexTests.setUp()
    defer { folder.remove() }
    let cacheOnly = LineIndexPlacement(besideData: false, cacheFolder: folder.child("cache"))
    let written = try IndexedTSVFile(path: tsv, placement: cacheOnly)
    let path = try #require(written.indexStatus.path)
    #expect(written.indexStatus.action == .written && path.hasPrefix(folder.child("cache") + "/"))
    #expect(
      path.hasSuffix(".lineidx")
        && !FileManager.default.fileExists(atPath: folder.child("data/features.lineidx")))
    #expect(
      try IndexedTSVFile(path: tsv, placement: cacheOnly).indexStatus
        == LineIndexStatus(action: .read, path: path))
    // Nowhere to write: the index lives in memory, and reads still work.
    let nowhere = try IndexedTSVFile(
      path: tsv, placement: LineIndexPlacement(besideData: false, cacheFolder: nil))
    #expect(nowhere.indexStatus.action == .memoryOnly && nowhere.rowCount == 3)
    // A read-only data folder falls back to the cache (root may write anywhere, so this part
    // runs only for other users; `besideData: false` above covers the same path for root).
    if geteuid() != 0 {
      chmod(folder.child("data"), 0o555)
      defer { chmod(folder.child("data"), 0o755) }
      let readOnly = try IndexedTSVFile(
        path: tsv, placement: LineIndexPlacement(cacheFolder: folder.child("other-cache")))
      #expect(readOnly.indexStatus.path?.hasPrefix(folder.child("other-cache")) == true)
    }
  }

  @Test(arguments: [
    ("0\n9\n9999\n", 3, "offset 9999 points past the end of features.tsv (30 bytes)"),
    ("0\n5\n23\n", 2, "offset 5 is not at the start of a line of features.tsv"),
    ("0\nnine\n", 2, "'nine' is not a byte offset"),
    ("0\n23\n9\n", 3, "offset 9 does not follow the previous one (23)"),
  ])
  func anIndexThatDoesNotFitItsTSVIsRefusedWithItsLine(
    index: String, line: Int, reason: String
  ) throws {
    let (folder, tsv, placement) = try LineIndexTests.setUp()
    defer { folder.remove() }
    try folder.write("data/features.lineidx", index)
    let expected = "\(folder.child("data/features.lineidx")):\(line): \(reason); delete "
    #expect {
      try IndexedTSVFile(path: tsv, placement: placement)
    } throws: { error in
      "\(error)".contains(expected)
    }
    // The same problem surfaces through the folder reader.
    try OscarFolderFixtures.writeColumns(folder, under: "split")
    try folder.write("split/features.lineidx", index)
    #expect(throws: DataError.self) { try OscarFolder(folder.child("split"), placement: placement) }
  }

  @Test func anIndexMissingTheLastRowsIsRefused() throws {
    let (folder, tsv, placement) = try LineIndexTests.setUp()
    defer { folder.remove() }
    try folder.write("data/features.lineidx", "0\n9\n")
    #expect {
      try IndexedTSVFile(path: tsv, placement: placement)
    } throws: { error in
      "\(error)".contains("lists 2 rows, but features.tsv has more lines after byte 23")
    }
  }
}
