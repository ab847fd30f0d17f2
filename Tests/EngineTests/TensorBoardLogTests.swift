import Foundation
import RunLogs
import TestSupport
import Testing

@testable import Engine

/// Every session writes its scalars as TensorBoard event files as it trains; a resumed run's
/// restart marker leaves each step once; `vlp export --tensorboard` writes the same scalars.
struct TensorBoardLogTests {
  @Test func aResumedSessionsEventFilesHoldEveryStepOnceAsInItsMetricsLog() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("tb")
    var options = TrainingEngine.Options()
    options.targetStep = 5
    _ = try TrainingEngine(folder: folder, options: options).runToCompletion()
    // Points a killed process logged after the checkpoint: the marker drops them.
    let stray = try EventFileWriter(folder: folder.tensorBoardFolder.appendingPathComponent("main"))
    stray.add(step: 6, scalars: [("loss/total", 99)])
    stray.add(step: 7, scalars: [("loss/total", 99)])
    try stray.flush()
    Thread.sleep(forTimeInterval: 1.1)  // file names start with the second they were opened
    options.targetStep = 10
    _ = try TrainingEngine(folder: folder, options: options).runToCompletion()

    let metrics = try MetricRecord.records(of: folder)
    let watcher = try LogWatcher.load(paths: [folder.tensorBoardFolder.path])
    #expect(watcher.notices.isEmpty, "\(watcher.notices)")
    let main = try #require(watcher.store["main"])
    #expect(main["loss/total"]?.steps == (1...10).map(Int64.init))
    #expect(main["loss/total"]?.values == metrics.map { Double($0.loss("total")!) })
    #expect(main["lr"]?.values == metrics.map { Double($0.learningRate) })
    #expect(main["eval/i2t_r1"]?.steps == [4, 5, 8, 10])

    let exported = try TemporaryDirectory("tb-export")
    defer { exported.remove() }
    let points = try TensorBoardExport.write(folder, to: exported.url)
    #expect(points > 0)
    let reread = try LogWatcher.load(paths: [exported.path])
    let copy = try #require(reread.store[exported.url.lastPathComponent + "/main"] ?? reread.store["main"])
    #expect(copy["loss/total"]?.steps == main["loss/total"]?.steps)
    #expect(copy["loss/total"]?.values == main["loss/total"]?.values)
  }
}
