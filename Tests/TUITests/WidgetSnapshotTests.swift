import Testing

@testable import TUI

/// A canvas size and theme that every widget is rendered at.
struct SnapshotVariant: CustomTestStringConvertible, Sendable {
  let width: Int
  let height: Int
  let theme: Theme
  let label: String
  var testDescription: String { "\(width)x\(height)-\(label)" }

  static let all: [SnapshotVariant] =
    [(40, 12), (80, 24), (160, 48)].flatMap { size in
      [
        SnapshotVariant(width: size.0, height: size.1, theme: .unicodeTrueColor, label: "color"),
        SnapshotVariant(width: size.0, height: size.1, theme: .unicodeMonochrome, label: "plain"),
      ]
    } + [SnapshotVariant(width: 80, height: 24, theme: .asciiMonochrome, label: "ascii")]
}

@Suite struct WidgetSnapshotTests {
  @Test(arguments: WidgetFixture.all, SnapshotVariant.all)
  func widgetMatchesSnapshot(fixture: WidgetFixture, variant: SnapshotVariant) {
    let canvas = Canvas(width: variant.width, height: variant.height, theme: variant.theme)
    fixture.draw(canvas.root)
    expectSnapshot(canvas, named: "\(fixture.name)/\(variant.testDescription)")
  }

  @Test(arguments: WidgetFixture.all)
  func asciiFallbackHasOnlyASCII(fixture: WidgetFixture) {
    for size in [(40, 12), (80, 24), (160, 48)] {
      for mode in ColorMode.allCases {
        let canvas = Canvas(
          width: size.0, height: size.1, theme: Theme(glyphs: .ascii, colorMode: mode))
        fixture.draw(canvas.root)
        let offending = canvas.cells.filter { !$0.scalar.isASCII }
        #expect(offending.isEmpty, "\(fixture.name) \(size) \(mode): \(offending.map(\.scalar))")
      }
    }
  }

  /// Without colour every cell's colours are the terminal defaults; attributes remain.
  @Test(arguments: WidgetFixture.all)
  func monochromeHasNoColour(fixture: WidgetFixture) {
    let canvas = Canvas(width: 80, height: 24, theme: .unicodeMonochrome)
    fixture.draw(canvas.root)
    #expect(canvas.cells.allSatisfy { $0.style.foreground == .default })
    #expect(canvas.cells.allSatisfy { $0.style.background == .default })
  }
}
