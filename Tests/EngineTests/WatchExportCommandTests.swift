import Foundation
import RunLogs
import TestSupport
import Testing

/// `vlp export` on logs that are not a session (CSV rows that read back equal), and
/// `vlp export SESSION --tensorboard DIR`.
struct WatchExportCommandTests {
  @Test func logsExportAsCSVRowsThatReadBackEqual() throws {
    let directory = try TemporaryDirectory("export-logs")
    defer { directory.remove() }
    let writer = try EventFileWriter(folder: directory.file("runs/a"), wallTime: 1_700_000_000)
    for step in 1...5 { writer.add(step: step, wallTime: 1_700_000_000 + Double(step), scalars: [("loss/itc", Float(step) / 4)]) }
    try writer.flush()
    try directory.write("runs/b/log.txt", #"{"train_loss": "2.500", "epoch": 0}"# + "\n")
    let result = try CommandLineTests.vlp(["export", "runs", "--curves", "all.csv"], in: directory.url)
    #expect(result.status == 0, "\(result.error)")
    let text = try String(contentsOf: directory.file("all.csv"), encoding: .utf8)
    #expect(text.hasPrefix("run,tag,step,wall_time,value\na,loss/itc,1,1700000001.000,0.25\n"))
    #expect(text.contains("b,train_loss,0,,2.5\n"))
    let reread = try LogWatcher.load(paths: [directory.child("all.csv")])
    #expect(reread.store["a"]?["loss/itc"]?.values == [0.25, 0.5, 0.75, 1, 1.25])
    #expect(reread.store["b"]?["train_loss"]?.steps == [0])
    let svg = try CommandLineTests.vlp(["export", "runs", "--curves", "all.svg"], in: directory.url)
    #expect(svg.status == 0, "\(svg.error)")
    #expect(try String(contentsOf: directory.file("all.svg"), encoding: .utf8).contains("loss/itc"))
  }

  @Test func aSessionExportsAsTensorBoardEventFiles() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let work = sessions.root.appendingPathComponent("work")
    let json = try String(contentsOf: try sessions.make("template").sessionFile, encoding: .utf8)
    try TinySession.write(json, name: "tiny", in: work.appendingPathComponent("sessions"))
    let run = try CommandLineTests.vlp(["run", "tiny", "--steps", "3"], in: work)
    #expect(run.status == 0, "\(run.error)")
    let export = try CommandLineTests.vlp(["export", "tiny", "--tensorboard", "tb-out"], in: work)
    #expect(export.status == 0, "\(export.error)")
    let watcher = try LogWatcher.load(paths: [work.appendingPathComponent("tb-out").path])
    #expect(watcher.store["main"]?["loss/total"]?.steps == [1, 2, 3])
  }
}
