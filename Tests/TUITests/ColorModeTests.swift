import Testing

@testable import TUI

@Suite struct ColorModeTests {
  /// Known RGB -> xterm-256 index pairs (cube corners, cube levels, greys).
  @Test(arguments: [
    (UInt8(255), UInt8(0), UInt8(0), UInt8(196)),
    (0, 0, 0, 16),
    (255, 255, 255, 231),
    (95, 135, 175, 67),
    (128, 128, 128, 244),
    (8, 8, 8, 232),
    (238, 238, 238, 255),
    (0, 255, 0, 46),
    (255, 135, 0, 208),
    (31, 119, 180, 31),
  ])
  func rgbDowngradesToNearest256(red: UInt8, green: UInt8, blue: UInt8, index: UInt8) {
    #expect(ColorMode.palette256.downgrade(.rgb(red, green, blue)) == .indexed(index))
  }

  @Test func rgbDowngradesTo8Colours() {
    #expect(ColorMode.ansi8.downgrade(.rgb(250, 10, 10)) == .red)
    #expect(ColorMode.ansi8.downgrade(.rgb(10, 200, 20)) == .green)
    #expect(ColorMode.ansi8.downgrade(.rgb(20, 20, 230)) == .blue)
    #expect(ColorMode.ansi8.downgrade(.rgb(0, 0, 0)) == .black)
    #expect(ColorMode.ansi8.downgrade(.brightCyan) == .cyan)
    #expect(ColorMode.ansi8.downgrade(.brightBlack) == .white)
    #expect(ColorMode.ansi8.downgrade(.brightWhite) == .white)
    #expect(ColorMode.ansi8.downgrade(.indexed(3)) == .yellow)
    #expect(ColorMode.ansi8.downgrade(.indexed(196)) == .red)
  }

  @Test func monochromeDropsColoursButKeepsAttributes() {
    let style = CellStyle(foreground: .rgb(1, 2, 3), background: .red, attributes: [.bold])
    #expect(ColorMode.monochrome.downgrade(style) == CellStyle(attributes: [.bold]))
  }

  @Test func trueColorKeepsEverything() {
    #expect(ColorMode.trueColor.downgrade(.rgb(1, 2, 3)) == .rgb(1, 2, 3))
    #expect(ColorMode.trueColor.downgrade(.indexed(100)) == .indexed(100))
  }

  @Test func paletteRoundTripsThroughIndices() {
    for index in 16...255 {
      let (r, g, b) = XtermPalette.rgb(ofIndex: UInt8(index))
      let found = XtermPalette.nearestIndex(red: UInt8(r), green: UInt8(g), blue: UInt8(b))
      let back = XtermPalette.rgb(ofIndex: found)
      #expect([back.red, back.green, back.blue] == [r, g, b], "index \(index) -> \(found)")
    }
  }

  @Test func detectionHonoursNoColorAndColourCount() {
    #expect(ColorMode.detect(environment: ["NO_COLOR": "1"], colorCount: 1 << 24) == .monochrome)
    #expect(ColorMode.detect(environment: ["NO_COLOR": ""], colorCount: 256) == .palette256)
    #expect(ColorMode.detect(environment: [:], colorCount: 1 << 24) == .trueColor)
    #expect(ColorMode.detect(environment: [:], colorCount: 8) == .ansi8)
    #expect(ColorMode.detect(environment: [:], colorCount: 0) == .monochrome)
    #expect(ColorMode.wantsTrueColor(environment: ["COLORTERM": "truecolor"]))
    #expect(ColorMode.wantsTrueColor(environment: ["COLORTERM": "24bit"]))
    #expect(!ColorMode.wantsTrueColor(environment: [:]))
  }

  @Test func canvasStoresDowngradedColours() {
    let canvas = Canvas(width: 2, height: 1, theme: Theme(glyphs: .unicode, colorMode: .palette256))
    canvas.root.set("x", at: Point(x: 0, y: 0), style: CellStyle(.rgb(255, 0, 0)))
    #expect(canvas[0, 0].style.foreground == .indexed(196))
  }
}
