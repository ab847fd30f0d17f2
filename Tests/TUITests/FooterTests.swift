import Foundation
import Testing

@testable import TUI

/// The footer says what the keys do on each screen: `n` takes a training step everywhere but on
/// Sessions, where it creates a session.
@Suite struct FooterTests {
  @Test func footerNamesTheStepKeyOnlyWhereItSteps() throws {
    let engine = FakeEngine(ScreenFixtures.snapshot())
    let root = try ScreenFixtures.sessionsRoot()
    defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
    let workbench = Workbench(engine: engine, sessionsRoot: root)
    let canvas = Canvas(width: 160, height: 48, theme: .unicodeTrueColor)
    for screen in ScreenID.allCases {
      workbench.show(screen)
      workbench.draw(into: canvas)
      let footer = try #require(canvas.lines().last)
      let nSteps = WorkbenchKeys.keyMap.action(for: .character("n"), screen: screen.title) == .step
      #expect(footer.contains("n step") == nSteps, "\(screen): \(footer)")
      #expect(footer.contains("space pause") && footer.contains("? help") && footer.contains("q quit"))
      if screen == .sessions { #expect(footer.contains("n new"), "\(footer)") }
    }
    #expect(WorkbenchKeys.keyMap.action(for: .character("n"), screen: ScreenID.sessions.title) == .create)
  }
}
