import Testing

@testable import Imaging

@Suite("Half-block terminal drawing")
struct TerminalImageTests {
  /// 2x3: red over green, blue over white; an odd last row of black and gray.
  let image = RGBImage(
    width: 2, height: 3,
    bytes: [255, 0, 0, 0, 0, 255, 0, 255, 0, 255, 255, 255, 0, 0, 0, 128, 128, 128])

  @Test func trueColorGivesEachHalfItsExactColour() {
    let escape = "\u{1B}["
    #expect(TerminalImage.render(image, colors: .trueColor) == [
      "\(escape)38;2;255;0;0m\(escape)48;2;0;255;0m▀\(escape)38;2;0;0;255m\(escape)48;2;255;255;255m▀\(escape)0m\n",
      "\(escape)38;2;0;0;0m\(escape)49m▀\(escape)38;2;128;128;128m\(escape)49m▀\(escape)0m\n",
    ].joined())
  }

  @Test func palette256UsesTheCubeAndTheGrayRamp() {
    let escape = "\u{1B}["
    #expect(TerminalImage.render(image, colors: .palette256) == [
      "\(escape)38;5;196m\(escape)48;5;46m▀\(escape)38;5;21m\(escape)48;5;231m▀\(escape)0m\n",
      "\(escape)38;5;16m\(escape)49m▀\(escape)38;5;244m\(escape)49m▀\(escape)0m\n",
    ].joined())
    #expect(TerminalImage.paletteIndex(95, 135, 175) == 16 + 36 * 1 + 6 * 2 + 3)
  }

  @Test func noColorFallsBackToBrightnessCharacters() {
    #expect(TerminalImage.render(image, colors: .none) == "-*\n +\n")
  }

  @Test func colourDepthFollowsTheEnvironment() {
    #expect(TerminalColors.detect(["COLORTERM": "truecolor"]) == .trueColor)
    #expect(TerminalColors.detect(["COLORTERM": "24bit"]) == .trueColor)
    #expect(TerminalColors.detect(["TERM": "xterm-256color"]) == .palette256)
    #expect(TerminalColors.detect(["COLORTERM": "truecolor", "NO_COLOR": "1"]) == .none)
  }
}
