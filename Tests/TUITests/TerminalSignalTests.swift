import Foundation
import TestSupport
import Testing

/// The workbench in an interactive shell in tmux: refusing a terminal that cannot draw
/// (TERM=dumb), watching a session that a background `vlp run` trains, Ctrl-Z and `fg`,
/// Ctrl-\ (SIGQUIT) to quit.
/// In `EndToEndTests` (serialized) so the two tmux servers never run at once.
extension EndToEndTests {
  @Test func dumbTerminalsAreRefusedAndABusySessionIsWatchedAndSuspended() throws {
    let tmuxFound = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
      || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    guard tmuxFound else {
      Issue.record("tmux is needed for this test: sudo apt-get install -y tmux (README)")
      return
    }
    let scratch = try TemporaryDirectory("e2e-signals")
    defer { scratch.remove() }
    let work = scratch.url
    let folder = try TinySession.write(
      Self.session, name: "default", in: work.appendingPathComponent("sessions"))
    let tmux = Tmux(scratch: work)
    try tmux.run([
      "new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40",
      "env PS1='$ ' VLP_THREADS=1 bash --norc --noprofile -i",
    ])
    defer { _ = try? tmux.run(["kill-server"]) }
    func type(_ line: String) throws { try tmux.keys(line, "Enter") }
    try type("cd '\(work.path)'; vlp() { '\(Self.binary.path)' \"$@\"; }")

    try type("TERM=dumb vlp tui default; echo DUMB=$((100 + $?))")  // 101: the typed line never matches
    var screen = try tmux.wait("the refusal") { $0.contains("DUMB=10") }
    #expect(screen.contains("DUMB=101"), "\(screen)")
    #expect(screen.contains("cursor addressing") && screen.contains("vlp run SESSION"), "\(screen)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("metrics.jsonl").path))

    try type("vlp run default --set evaluation.every=0 > run.txt 2>&1 &")
    let metrics = folder.appendingPathComponent("metrics.jsonl")
    let deadline = Date(timeIntervalSinceNow: 60)
    while !FileManager.default.fileExists(atPath: metrics.path) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.1)
    }
    try type("clear; vlp tui default")
    // The footer names the trainer once no other message holds it (a loading message may come
    // first on a slow machine): wait for it rather than expect it on the first watching frame.
    screen = try tmux.wait("the watcher naming its trainer") {
      $0.contains("watching") && $0.contains("trained by pid") && (Self.step(in: $0) ?? 0) > 0
    }
    let seen = Self.step(in: screen) ?? 0
    try tmux.wait("the curves following the writer") { (Self.step(in: $0) ?? 0) > seen }
    try tmux.keys("Space")
    try tmux.wait("the watcher's answer") { $0.contains("this window only watches it") }

    try tmux.keys("C-z")
    screen = try tmux.wait("the shell after Ctrl-Z") { $0.contains("Stopped") }
    try type("fg")
    try tmux.wait("the workbench again") { $0.contains("watching") && $0.contains("Dashboard") }
    // Ctrl-\ (SIGQUIT) quits like Ctrl-C: no crash report, the terminal given back.
    try tmux.keys("C-\\")
    try type("echo TUI=$((100 + $?)); kill -TERM %1; wait %1; echo RUN=$((100 + $?))")
    screen = try tmux.wait("both ended") { $0.contains("RUN=2") }
    #expect(screen.contains("TUI=100") && screen.contains("RUN=243"), "\(screen)")
    #expect(!screen.contains("Backtrac") && !screen.contains("Crash"), "\(screen)")
    let lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n")
    #expect(lines.count > seen, "the watcher wrote nothing and the writer logged each step once")
  }
}
