import Engine
import Foundation
import Testing

@testable import TUI

/// What opening a session found (a stale lock file) and the engine's notices (log lines set
/// aside on resume) reach the status line, until the next key (issue 22).
@Suite struct NoticeTests {
  @Test func noticesShowOnTheStatusLineUntilAKey() throws {
    var snapshot = ScreenFixtures.snapshot()
    snapshot.notices = ["set aside 2 lines of metrics.jsonl logged after step 10 (or cut off "
      + "mid-line) in sessions/s/metrics.jsonl.set-aside"]
    let engine = FakeEngine(snapshot)
    let root = try ScreenFixtures.sessionsRoot()
    defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
    let stale = "note: sessions/s/.lock still named pid 4242, which ended without releasing it"
    let workbench = Workbench(engine: engine, sessionsRoot: root, notices: [stale])
    let canvas = Canvas(width: 240, height: 48, theme: .unicodeTrueColor)
    workbench.draw(into: canvas)
    let footer = try #require(canvas.lines().last)
    #expect(footer.contains("note: sessions/s/.lock still named pid 4242"), "\(footer)")
    #expect(footer.contains("; note: set aside 2 lines"), "\(footer)")
    #expect(!footer.contains("note: note:"), "\(footer)")
    _ = workbench.handle(.character("1"))  // the dashboard: a key that says nothing itself
    workbench.draw(into: canvas)
    #expect(!(canvas.lines().last ?? "").contains("note:"), "read once a key came")
    engine.snapshot.notices.append("a later notice")
    workbench.draw(into: canvas)
    #expect((canvas.lines().last ?? "").contains("note: a later notice"))
  }
}
