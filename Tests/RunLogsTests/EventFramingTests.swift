import Foundation
import RunLogs
import TestSupport
import Testing

/// The record framing, checksums and the damaged or unfinished files a live run leaves.
struct EventFramingTests {
  @Test func crc32cMatchesTheStandardCheckValue() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    // Slicing-by-8 and the byte loop agree across lengths that end mid-word.
    let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    for length in [1, 7, 8, 9, 63, 100] {
      var crc: UInt32 = 0xFFFF_FFFF
      for byte in bytes.prefix(length) {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
      }
      #expect(CRC32C.checksum(Array(bytes.prefix(length))) == ~crc)
    }
  }

  static func writeRun(_ folder: URL, steps: ClosedRange<Int>, start: Int? = nil) throws -> URL {
    // A restarted writer's file is named by a later second, so it sorts after the first one
    // (TensorBoard and vlp read a run's files in name order).
    let opened = start == nil ? 1_700_000_000 : 1_700_000_100.0
    let writer = try EventFileWriter(folder: folder, wallTime: opened)
    if let start { writer.sessionStart(step: start, wallTime: opened) }
    for step in steps {
      writer.add(
        step: step, wallTime: 1_700_000_000 + Double(step),
        scalars: [("loss/itc", Float(step) * 0.5), ("lr", 1e-4)])
    }
    try writer.flush()
    return writer.url
  }

  /// The file offset of each record (the first is the file_version record).
  static func recordOffsets(_ bytes: [UInt8]) -> [Int] {
    var offsets: [Int] = []
    var offset = 0
    while offset + 12 <= bytes.count {
      offsets.append(offset)
      let length = bytes[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | Int($1) }
      offset += 16 + length
    }
    return offsets
  }

  @Test func whatVlpWritesItReadsBackEqual() throws {
    let directory = try TemporaryDirectory("events")
    defer { directory.remove() }
    _ = try Self.writeRun(directory.file("run"), steps: 1...20)
    let watcher = try LogWatcher.load(paths: [directory.path])
    let curves = try #require(watcher.store["run"])
    #expect(curves.tags == ["loss/itc", "lr"])
    #expect(curves["loss/itc"]?.steps == (1...20).map(Int64.init))
    #expect(curves["loss/itc"]?.values == (1...20).map { Double(Float($0) * 0.5) })
    #expect(curves["lr"]?.values == [Double](repeating: Double(Float(1e-4)), count: 20))
    #expect(curves["lr"]?.wallTimes.last == 1_700_000_020)
    #expect(watcher.notices.isEmpty)
  }

  @Test func aResumedRunsStartMarkerDropsTheStepsItRepeats() throws {
    let directory = try TemporaryDirectory("events")
    defer { directory.remove() }
    _ = try Self.writeRun(directory.file("run"), steps: 1...10)
    _ = try Self.writeRun(directory.file("run"), steps: 7...12, start: 7)
    let watcher = try LogWatcher.load(paths: [directory.path])
    #expect(watcher.store["run"]?["loss/itc"]?.steps == (1...12).map(Int64.init))
  }

  @Test func aTruncatedTailWaitsAndAGrowingFileIsReadAsItGrows() throws {
    let directory = try TemporaryDirectory("events")
    defer { directory.remove() }
    let source = try Self.writeRun(directory.file("source"), steps: 1...4)
    let full = try Data(contentsOf: source)
    let live = directory.file("live/events.out.tfevents.1.test")
    try FileManager.default.createDirectory(at: live.deletingLastPathComponent(), withIntermediateDirectories: true)
    // Everything but the last record's second half.
    let last = try #require(Self.recordOffsets([UInt8](full)).last)
    let cut = last + (full.count - last) / 2
    try full.prefix(cut).write(to: live)
    let watcher = try LogWatcher(paths: [live.deletingLastPathComponent().path])
    watcher.poll()
    #expect(watcher.store["live"]?["loss/itc"]?.steps == [1, 2, 3])
    #expect(watcher.notices.isEmpty, "a record still being written is not an error")
    let handle = try FileHandle(forWritingTo: live)
    try handle.seekToEnd()
    try handle.write(contentsOf: full.suffix(from: cut))
    try handle.close()
    #expect(watcher.poll())
    #expect(watcher.store["live"]?["loss/itc"]?.steps == [1, 2, 3, 4])
    #expect(!watcher.poll(), "nothing new, nothing read")
  }

  @Test func aCorruptRecordInTheMiddleIsReportedWithItsOffsetAndSkipped() throws {
    let directory = try TemporaryDirectory("events")
    defer { directory.remove() }
    let url = try Self.writeRun(directory.file("run"), steps: 1...5)
    var bytes = [UInt8](try Data(contentsOf: url))
    let third = Self.recordOffsets(bytes)[3]  // after file_version, steps 1 and 2
    bytes[third + 20] ^= 0xFF  // inside the data of step 3
    try Data(bytes).write(to: url)
    let watcher = try LogWatcher.load(paths: [directory.path])
    #expect(watcher.store["run"]?["loss/itc"]?.steps == [1, 2, 4, 5])
    #expect(watcher.notices.count == 1)
    #expect(watcher.notices.first?.contains("byte \(third): record data checksum fails") == true, "\(watcher.notices)")
    // A damaged header: the reader finds the next record by its length checksum.
    bytes = [UInt8](try Data(contentsOf: url))
    bytes[third + 20] ^= 0xFF
    bytes[third + 1] ^= 0x40
    try Data(bytes).write(to: url)
    let again = try LogWatcher.load(paths: [directory.path])
    #expect(again.store["run"]?["loss/itc"]?.steps == [1, 2, 4, 5])
    #expect(again.notices.first?.contains("byte \(third): corrupt record header") == true, "\(again.notices)")
  }

  @Test func aFileCutShortIsReportedWhenReadAsAWhole() throws {
    let directory = try TemporaryDirectory("events")
    defer { directory.remove() }
    let url = try Self.writeRun(directory.file("run"), steps: 1...3)
    let data = try Data(contentsOf: url)
    try data.prefix(data.count - 3).write(to: url)
    let watcher = try LogWatcher.load(paths: [directory.path])
    #expect(watcher.store["run"]?["loss/itc"]?.steps == [1, 2])
    #expect(watcher.notices.first?.contains("file ends inside a record") == true)
  }

  /// A million points of one tag, written by vlp's writer, read in release in about a second
  /// (printed, not asserted: speed is measured, docs/watch.md).
  @Test func aMillionPointsRead() throws {
    let directory = try TemporaryDirectory("events")
    defer { directory.remove() }
    let writer = try EventFileWriter(folder: directory.file("big"), wallTime: 1_700_000_000)
    for step in 0..<1_000_000 {
      writer.add(step: step, wallTime: 1_700_000_000 + Double(step) * 0.01, scalars: [("loss", Float(step % 1000))])
      if step % 100_000 == 99_999 { try writer.flush() }
    }
    try writer.flush()
    let clock = ContinuousClock()
    var watcher: LogWatcher?
    let elapsed = try clock.measure { watcher = try LogWatcher.load(paths: [directory.path]) }
    let series = try #require(watcher?.store["big"]?["loss"])
    #expect(series.count == 1_000_000)
    #expect(series.values[999_999] == 999)
    print("read 1,000,000 points in \(elapsed)")
  }
}
