import Foundation
import Testing

@testable import Engine
@testable import TUI
@testable import VLP

/// Screens show what is true of each model family: Oscar keeps no momentum model (no teacher
/// column, no ITC pseudo-targets) and its [CLS] projection shows fused pairs, not images and
/// captions.
@Suite struct FamilyScreenTests {
  /// The fixture snapshot as an Oscar session would publish it: the model's own top-5 only.
  static func oscarSnapshot() -> EngineSnapshot {
    var snapshot = ScreenFixtures.snapshot()
    for index in snapshot.variants.indices {
      snapshot.variants[index].configuration.model.family = .oscar
      var targets = ScreenFixtures.pseudoTargets()
      for p in targets.maskedPositions.indices { targets.maskedPositions[p].teacher = [] }
      targets.imageTexts = []
      snapshot.variants[index].pseudoTargets = targets
    }
    return snapshot
  }

  @Test func pseudoTargetsOfOscarSayThereIsNoTeacher() throws {
    let workbench = Workbench(
      engine: FakeEngine(Self.oscarSnapshot()), sessionsRoot: try ScreenFixtures.sessionsRoot())
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    _ = workbench.handle(.character(Character(String(ScreenID.pseudoTargets.rawValue))))
    let canvas = Canvas(width: 160, height: 48, theme: .unicodeMonochrome)
    workbench.draw(into: canvas)
    let text = canvas.lines().joined(separator: "\n")
    #expect(text.contains("Oscar: no momentum model, no teacher"), "\(text)")
    #expect(text.contains("Oscar keeps no momentum model: no ITC pseudo-targets"), "\(text)")
    #expect(!text.contains("momentum top-5"), "\(text)")
    #expect(text.contains("model top-5"))
  }

  @Test func clsProjectionOfOscarLabelsFusedPairs() {
    let panel = ScreenFixtures.projection().panels[0]
    var pairs = panel
    pairs.labels = panel.labels.map {
      var label = $0
      label.modality = .pair
      return label
    }
    #expect(ProjectionState.scatter(pairs, kind: .cls).markerNames?.dot == "fused pair [CLS]")
    #expect(ProjectionState.scatter(pairs, kind: .cls).markerNames?.ring == "")
    #expect(ProjectionState.scatter(panel, kind: .cls).markerNames?.dot == "image")
    #expect(ProjectionState.scatter(panel, kind: .tokens).markerNames?.dot == "region")
  }
}
