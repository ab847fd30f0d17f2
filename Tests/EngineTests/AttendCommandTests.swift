import Foundation
import TestSupport
import Testing

@testable import Engine

/// `vlp attend` on a trained tiny session: PNG and SVG pictures, the pointing game, and usage
/// errors that name the option.
@Suite(.serialized) struct AttendCommandTests {
  @Test func writesThePictureAndScoresThePointingGame() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("tiny")
    let path = folder.url.path
    let trained = try CommandLineTests.vlp(
      ["run", path, "--steps", "4", "--set", "evaluation.every=0"], in: sessions.root)
    #expect(trained.status == 0, "\(trained.error)")

    let png = sessions.root.appendingPathComponent("map.png").path
    // One fusion layer: a word's Grad-CAM there is 0 by construction, so it is refused with the
    // reason; the whole caption's ([CLS]'s row) is drawn.
    let refused = try CommandLineTests.vlp(
      ["attend", path, "--pair", "2", "--word", "1", "--size", "48", "--out", png], in: sessions.root)
    #expect(refused.status == 1, "\(refused.output)")
    #expect(refused.error.contains("no per-word Grad-CAM in fusion layer 1 of 1"), "\(refused.error)")
    #expect(!FileManager.default.fileExists(atPath: png))
    let drawn = try CommandLineTests.vlp(
      ["attend", path, "--pair", "2", "--size", "48", "--out", png], in: sessions.root)
    #expect(drawn.status == 0, "\(drawn.error)")
    #expect(drawn.output.contains("gradcam · layer 1/1"), "\(drawn.output)")
    #expect(drawn.output.contains("[CLS]'s Grad-CAM"), "\(drawn.output)")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
    #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))

    let svg = sessions.root.appendingPathComponent("map.svg").path
    let vector = try CommandLineTests.vlp(
      ["attend", path, "--pair", "1", "--raw", "--momentum", "--size", "16", "--out", svg],
      in: sessions.root)
    #expect(vector.status == 0, "\(vector.error)")
    let text = try String(contentsOfFile: svg, encoding: .utf8)
    #expect(text.hasPrefix("<svg") && text.hasSuffix("</svg>\n"))
    #expect(text.contains("whole caption") && text.contains("momentum"))
    #expect(text.contains("stroke=\"#ffffff\""), "region boxes are outlined")

    let game = try CommandLineTests.vlp(
      ["attend", path, "--pointing-game", "--pairs", "10", "--raw"], in: sessions.root)
    #expect(game.status == 0, "\(game.error)")
    #expect(game.output.contains("pointing game:") && game.output.contains("a random map"))
    let gradCAMGame = try CommandLineTests.vlp(
      ["attend", path, "--pointing-game", "--pairs", "10"], in: sessions.root)
    #expect(gradCAMGame.status == 1 && gradCAMGame.error.contains("no per-word Grad-CAM"), "\(gradCAMGame.error)")

    for (arguments, message) in [
      (["--pair", "1", "--word", "nosuchword", "--out", png], "--word nosuchword: not in the caption"),
      (["--pair", "1", "--layer", "3", "--out", png], "layer 3 does not exist"),
      (["--pair", "1", "--out", "map.gif"], "must end in .png or .svg"),
      (["--pair", "1", "--raw", "--gradcam", "--out", png], "exclude each other"),
    ] {
      let result = try CommandLineTests.vlp(["attend", path] + arguments, in: sessions.root)
      #expect(result.status != 0, "\(arguments)")
      #expect(result.error.contains(message), "\(arguments): \(result.error)")
    }
  }
}
