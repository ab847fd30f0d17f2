import Foundation
import Testing

@testable import Engine
@testable import TUI
@testable import VLP

/// The Pseudo-targets screen shows ITM's sampled negatives of the chosen pair: the image drawn
/// for its caption and the caption drawn for its image, each with its probability.
@Suite struct MatchingNegativesScreenTests {
  @Test func theChosenPairsNegativesAreShownWithTheirProbability() throws {
    var snapshot = ScreenFixtures.snapshot()
    let data = ScreenFixtures.data
    for index in snapshot.variants.indices {
      var targets = ScreenFixtures.pseudoTargets()
      let pairs = targets.pairIndices
      targets.matchingNegatives = pairs.enumerated().map { row, pair in
        MatchingNegativeTargets(
          pairIndex: pair,
          image: RankedCandidate(id: pairs[(row + 1) % pairs.count], probability: 0.73),
          text: row == 0 ? nil : RankedCandidate(id: pairs[(row + 2) % pairs.count], probability: 0.05))
      }
      snapshot.variants[index].pseudoTargets = targets
      snapshot.variants[index].configuration.objectives.itmNegatives = .mixed
    }
    let workbench = Workbench(
      engine: FakeEngine(snapshot), sessionsRoot: try ScreenFixtures.sessionsRoot())
    defer { try? FileManager.default.removeItem(at: workbench.sessions.root.deletingLastPathComponent()) }
    _ = workbench.handle(.character(Character(String(ScreenID.pseudoTargets.rawValue))))
    let canvas = Canvas(width: 200, height: 60, theme: .unicodeMonochrome)
    workbench.draw(into: canvas)
    let text = canvas.lines().joined(separator: "\n")
    let pairs = try #require(snapshot.variants.first?.pseudoTargets?.pairIndices)
    #expect(text.contains("ITM negatives (mixed), drawn with probability p:"), "\(text)")
    #expect(text.contains("image for its text: pair \(pairs[1]) (p 0.73), its caption:"), "\(text)")
    #expect(text.contains(data.captionText(pairs[1]).prefix(15)), "\(text)")
    #expect(text.contains("text for its image: none"), "\(text)")

    // The next image: both negatives drawn.
    _ = workbench.handle(.down)
    let next = Canvas(width: 200, height: 60, theme: .unicodeMonochrome)
    workbench.draw(into: next)
    let nextText = next.lines().joined(separator: "\n")
    #expect(nextText.contains("text for its image: pair \(pairs[3]) (p 0.05): "), "\(nextText)")
  }
}
