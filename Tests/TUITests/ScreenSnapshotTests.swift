import Foundation
import Testing

@testable import Engine
@testable import TUI

/// Every screen drawn from the synthetic snapshot at 40x12, 80x24 and 160x48, with and without
/// colour, and in ASCII at 80x24: compared with Snapshots/screens/.
@Suite struct ScreenSnapshotTests {
  static let sizes = [(40, 12), (80, 24), (160, 48)]

  func workbench(showing screen: ScreenID) throws -> (Workbench, FakeEngine) {
    let engine = FakeEngine(ScreenFixtures.snapshot())
    let workbench = Workbench(engine: engine, sessionsRoot: try ScreenFixtures.sessionsRoot())
    _ = workbench.handle(.character(Character(String(screen.rawValue))))
    return (workbench, engine)
  }

  @Test(arguments: ScreenID.allCases)
  func screensMatchTheirSnapshots(_ screen: ScreenID) throws {
    let (workbench, _) = try self.workbench(showing: screen)
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    for (width, height) in Self.sizes {
      for (theme, suffix) in [(Theme.unicodeTrueColor, "color"), (.unicodeMonochrome, "plain")] {
        let canvas = Canvas(width: width, height: height, theme: theme)
        workbench.draw(into: canvas)
        expectSnapshot(canvas, named: "screens/\(screen.title)/\(width)x\(height)-\(suffix)")
      }
    }
    let ascii = Canvas(width: 80, height: 24, theme: .asciiMonochrome)
    workbench.draw(into: ascii)
    expectSnapshot(ascii, named: "screens/\(screen.title)/80x24-ascii")
    #expect(ascii.lines().joined().unicodeScalars.allSatisfy { $0.isASCII })
  }

  @Test func helpAndQuitQuestionOverlays() throws {
    let (workbench, engine) = try self.workbench(showing: .dashboard)
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    _ = workbench.handle(.character("?"))
    let canvas = Canvas(width: 80, height: 24, theme: .unicodeMonochrome)
    workbench.draw(into: canvas)
    expectSnapshot(canvas, named: "screens/overlays/help-80x24")
    _ = workbench.handle(.escape)
    #expect(!workbench.showingHelp)
    #expect(workbench.handle(.character("q")) == .none, "q asks first while training runs")
    workbench.draw(into: canvas)
    expectSnapshot(canvas, named: "screens/overlays/quit-80x24")
    #expect(workbench.handle(.character("n")) == .none)
    #expect(!workbench.confirmingQuit)
    _ = workbench.handle(.character("q"))
    #expect(workbench.handle(.character("y")) == .quit)
    engine.snapshot.state = .paused
    let paused = Workbench(engine: engine)
    #expect(paused.handle(.character("q")) == .quit, "paused: nothing to lose, no question")
    #expect(paused.handle(.ctrl("c")) == .quit)
  }

  /// Below the minimum size a line says what is needed; q still quits.
  @Test func tinyTerminalsShowAStatusLineAndStillQuit() throws {
    let (workbench, engine) = try self.workbench(showing: .dashboard)
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    let canvas = Canvas(width: 30, height: 4, theme: .unicodeMonochrome)
    workbench.draw(into: canvas)
    expectSnapshot(canvas, named: "screens/overlays/tiny-30x4")
    engine.snapshot.state = .paused
    #expect(workbench.handle(.character("q")) == .quit)
  }
}

@Suite struct WorkbenchKeyTests {
  @Test func noKeyIsBoundTwiceOnAnyScreen() throws {
    #expect(WorkbenchKeys.keyMap.conflicts().isEmpty, "\(WorkbenchKeys.keyMap.conflicts())")
    try WorkbenchKeys.keyMap.validate()
    #expect(Set(WorkbenchKeys.screens.map(\.name)) == Set(ScreenID.allCases.map(\.title)))
  }

  /// The help overlay of each screen lists every binding of that screen and the global ones.
  @Test(arguments: ScreenID.allCases)
  func helpListsEveryKeyOfTheScreen(_ screen: ScreenID) {
    let canvas = Canvas(width: 160, height: 60, theme: .unicodeMonochrome)
    HelpOverlay(keyMap: WorkbenchKeys.keyMap, screen: screen.title).draw(into: canvas.root)
    let text = canvas.lines().joined(separator: "\n")
    let table = WorkbenchKeys.screens.first { $0.name == screen.title }!
    for binding in table.bindings + WorkbenchKeys.global.bindings {
      #expect(text.contains(binding.summary), "\(screen.title): \(binding.summary)")
    }
  }

  /// docs/keys.md is the key table's own Markdown: regenerate it with `vlp keys > docs/keys.md`.
  @Test func docsKeysIsGeneratedFromTheTable() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("docs/keys.md")
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(text == WorkbenchKeys.markdown + "\n", "run `vlp keys > docs/keys.md`")
  }

  /// Keys reach the engine and the screens.
  @Test func keysDriveTheEngineAndTheScreens() throws {
    let engine = FakeEngine(ScreenFixtures.snapshot())
    let root = try ScreenFixtures.sessionsRoot()
    defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
    let workbench = Workbench(engine: engine, sessionsRoot: root)
    _ = workbench.handle(.space)
    #expect(engine.commands.last == "togglePause")
    _ = workbench.handle(.character("n"))
    #expect(engine.commands.last == "step 1")
    _ = workbench.handle(.character("]"))
    #expect(workbench.smoothing > 0.6)
    _ = workbench.handle(.character("+"))
    #expect(engine.commands.last == "evaluate every 50")
    _ = workbench.handle(.tab)
    #expect(workbench.screen == .pseudoTargets)
    _ = workbench.handle(.shiftTab)
    _ = workbench.handle(.shiftTab)
    #expect(workbench.screen == .sessions)
    _ = workbench.handle(.character("3"))
    #expect(engine.commands.last?.hasPrefix("probe fine") == true)
    let before = workbench.masked.masked
    _ = workbench.handle(.character("c"))
    #expect(workbench.masked.masked.isEmpty && !before.isEmpty)
    let cursor = workbench.masked.cursor
    _ = workbench.handle(.right)
    _ = workbench.handle(.character("m"))
    #expect(workbench.masked.masked == [cursor + 1])
    #expect(engine.snapshot.probe?.maskedWords == [cursor + 1])
    _ = workbench.handle(.character("4"))
    _ = workbench.handle(.character("f"))
    #expect(engine.commands.last == "project cls")
    _ = workbench.handle(.character("6"))
    _ = workbench.handle(.down)
    #expect(workbench.handle(.enter) == .open(session: "other"))
    _ = workbench.handle(.character("n"))
    #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("other-2/session.json").path))
  }
}
