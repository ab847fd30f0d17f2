import Foundation
import RunLogs
import TestSupport
import Testing

/// The real `vlp watch` in tmux on a growing event file: the curves appear, a record written in
/// two halves shows once complete, new tags and a new run appear while it runs, the filter and
/// the other screens work, q quits cleanly.
@Suite(.serialized) struct WatchEndToEndTests {
  /// The workbench test's tmux driver on a socket of its own, so the two can run side by side.
  static func tmux(_ scratch: URL) -> EndToEndTests.Tmux {
    EndToEndTests.Tmux(socket: "vlp-watch-e2e-\(getpid())", scratch: scratch)
  }

  static func append(_ bytes: some Sequence<UInt8>, to url: URL) throws {
    let handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
  }

  @Test func watchFollowsAGrowingEventFile() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux") else {
      Issue.record("tmux is needed for this test: sudo apt-get install -y tmux (README)")
      return
    }
    let scratch = try TemporaryDirectory("watch-e2e")
    defer { scratch.remove() }
    let work = scratch.url
    // Steps 1-40, then half of step 41's record: what a writer in the middle of a write leaves.
    let writer = try EventFileWriter(folder: scratch.file("runs/live"))
    for step in 1...40 {
      writer.add(step: step, scalars: [("loss/itc", Float(5 - Double(step) * 0.1)), ("loss/mlm", Float(3 + sin(Double(step))))])
    }
    try writer.flush()
    let record = RecordFraming.frame(EventEncoding.scalarsEvent(step: 41, wallTime: Date().timeIntervalSince1970, scalars: [("loss/itc", 0.5)]))
    try Self.append(record.prefix(10), to: writer.url)

    let tmux = Self.tmux(work)
    let script = work.appendingPathComponent("run.sh")
    try Data(
      ("cd '\(work.path)' && '\(EndToEndTests.binary.path)' watch runs; echo \"EXIT=$?\" > exit.txt; sleep 30\n").utf8
    ).write(to: script)
    try tmux.run(["new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "sh '\(script.path)'"])
    defer { _ = try? tmux.run(["kill-server"]) }

    var screen = try tmux.wait("the dashboard with curves") {
      $0.contains("─ Dashboard") && $0.contains("loss/itc") && $0.contains("loss/mlm")
        && $0.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
    }
    if !screen.contains("1 run · 2 tags · 80 points") {
      Issue.record("the title bar does not count 1 run, 2 tags, 80 points: \(screen.split(separator: "\n").first ?? "")")
    }

    // The rest of the record, a new tag and a new run, while it watches.
    try Self.append(record.dropFirst(10), to: writer.url)
    try tmux.wait("the completed record") { $0.contains("81 points") }
    writer.add(step: 42, scalars: [("eval/accuracy", 0.75)])
    try writer.flush()
    try tmux.wait("the new tag and its group") { $0.contains("eval/accuracy") && $0.contains("82 points") }
    try scratch.write("runs/albef/log.txt", #"{"train_loss_ita": "5.103", "epoch": 0}"# + "\n" + #"{"train_loss_ita": "4.020", "epoch": 1}"# + "\n")
    try tmux.wait("the new run") { $0.contains("2 runs") && $0.contains("train_loss_ita") }

    // The filter: only the tags matching it.
    try tmux.keys("/", "i", "t", "c", "Enter")
    screen = try tmux.wait("the filter applied") { $0.contains("filter /itc/") && !$0.contains("loss/mlm") }
    #expect(screen.contains("loss/itc"))
    try tmux.keys("/", "Enter")
    try tmux.wait("the filter cleared") { $0.contains("loss/mlm") }

    for (key, title) in [("2", "Compare"), ("3", "Runs"), ("1", "Dashboard")] {
      try tmux.keys(key)
      try tmux.wait("screen \(title)") { $0.contains("─ \(title)") }
    }
    try tmux.keys("x")
    try tmux.wait("relative time") { $0.contains("x axis: relative time") }

    try tmux.keys("q")
    let exitFile = work.appendingPathComponent("exit.txt")
    let deadline = Date(timeIntervalSinceNow: 10)
    // The shell creates the file before `echo` writes into it: wait for its line.
    var exit = "none"
    while Date() < deadline, !exit.hasSuffix("\n") {
      exit = (try? String(contentsOf: exitFile, encoding: .utf8)) ?? "none"
      Thread.sleep(forTimeInterval: 0.1)
    }
    if exit != "EXIT=0\n" {
      Issue.record("vlp watch did not exit cleanly: \(exit)")
    }
  }
}
