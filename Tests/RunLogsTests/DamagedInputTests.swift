import Foundation
import RunLogs
import TestSupport
import Testing

/// Files that change under the reader and bytes that are not what they claim: the reader never
/// traps or loops, and reads again what was rewritten.
struct DamagedInputTests {
  /// A seeded stream (a 64-bit LCG) for reproducible mutations.
  struct Mutations {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  @Test func mutatedEventFilesAndLogsNeverTrapAndAlwaysFinish() throws {
    let directory = try TemporaryDirectory("fuzz")
    defer { directory.remove() }
    let source = try EventFramingTests.writeRun(directory.file("source"), steps: 1...20, start: 3)
    let original = [UInt8](try Data(contentsOf: source))
    let logText = [UInt8](TextLogTests.lavis.utf8) + [UInt8](TextLogTests.albef.utf8)
    var random = Mutations(state: 42)
    for round in 0..<300 {
      let isEvents = round % 2 == 0
      var bytes = isEvents ? original : logText
      for _ in 0..<(1 + random.next(8)) {
        switch random.next(3) {
        case 0: bytes[random.next(bytes.count)] = UInt8(random.next(256))
        case 1: bytes.removeSubrange(random.next(bytes.count)..<bytes.count)
        default: bytes.insert(UInt8(random.next(256)), at: random.next(bytes.count + 1))
        }
        if bytes.isEmpty { bytes = [0] }
      }
      let name = isEvents ? "events.out.tfevents.\(round)" : "log.txt"
      let url = directory.file("mutated/\(round)/\(name)")
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(bytes).write(to: url)
      let watcher = try LogWatcher.load(paths: [url.path])
      for run in watcher.store.runs {
        for tag in run.tags { #expect(run[tag]!.steps.count == run[tag]!.values.count) }
      }
    }
  }

  @Test func aFileRewrittenShorterIsReadAgainFromItsStart() throws {
    let directory = try TemporaryDirectory("rewrite")
    defer { directory.remove() }
    let url = try directory.write("run/log.txt", "{\"step\": 1, \"loss\": 3}\n{\"step\": 2, \"loss\": 2}\n")
    let watcher = try LogWatcher(paths: [directory.child("run")])
    watcher.poll()
    #expect(watcher.store["run"]?["loss"]?.values == [3, 2])
    try Data("{\"step\": 1, \"loss\": 9}\n".utf8).write(to: url)
    #expect(watcher.poll())
    #expect(watcher.store["run"]?["loss"]?.values == [9])
    #expect(watcher.notices.last?.contains("shorter than what was read") == true)
  }
}
