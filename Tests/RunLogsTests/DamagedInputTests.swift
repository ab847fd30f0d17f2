import Foundation
import RunLogs
import Synchronization
import TestSupport
import Testing

/// Files that change under the reader and bytes that are not what they claim: the reader never
/// traps or loops, and reads again what was rewritten.
struct DamagedInputTests {
  /// Event files and text logs through the shared seeded `Fuzzer` (docs/reliability.md,
  /// "Fuzzing"): every read finishes without a trap, and every curve it yields is whole.
  @Test(arguments: ["events.out.tfevents.1700000000.host", "log.txt"])
  func eventFilesAndLogsHoldOnMutatedFiles(fileName: String) throws {
    let directory = try TemporaryDirectory("fuzz")
    defer { directory.remove() }
    let corpus: [[UInt8]]
    if fileName == "log.txt" {
      corpus = [Array(TextLogTests.lavis.utf8), Array(TextLogTests.albef.utf8)]
    } else {
      let restarted = try EventFramingTests.writeRun(directory.file("restarted"), steps: 1...20, start: 3)
      let plain = try EventFramingTests.writeRun(directory.file("plain"), steps: 1...5)
      corpus = try [restarted, plain].map { [UInt8](try Data(contentsOf: $0)) }
    }
    let broken = Mutex<[String]>([])
    let fuzzer = Fuzzer(name: fileName, corpus: corpus, fileName: fileName)
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 1500), seconds: Fuzzer.timeLimit(default: 3)) { path in
      let watcher = try LogWatcher.load(paths: [path])
      for run in watcher.store.runs {
        for tag in run.tags where run[tag]!.steps.count != run[tag]!.values.count {
          broken.withLock { $0.append("\(fileName): \(tag): steps and values differ in count") }
        }
      }
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(broken.withLock { $0 }.isEmpty)
    #expect(run.casesRun >= 50)
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
