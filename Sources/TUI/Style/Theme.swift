/// What a canvas draws with: the glyphs the locale allows, the colours the terminal shows, and
/// the semantic styles widgets ask for (so that a screen never hard-codes a colour).
public struct Theme: Sendable {
  public var glyphs: GlyphSet
  public var colorMode: ColorMode
  public var text: CellStyle
  public var dim: CellStyle
  public var border: CellStyle
  public var title: CellStyle
  public var axis: CellStyle
  public var header: CellStyle
  /// The best value of a table column, a selected row's key: visible without colour too.
  public var highlight: CellStyle
  public var statusBar: CellStyle
  public var key: CellStyle
  /// Colours given to series and classes in order (Tableau 10, as TensorBoard and matplotlib).
  public var seriesColors: [TerminalColor]

  public init(glyphs: GlyphSet, colorMode: ColorMode) {
    self.glyphs = glyphs
    self.colorMode = colorMode
    text = .plain
    dim = CellStyle(attributes: .dim)
    border = CellStyle(.brightBlack)
    title = CellStyle(.default, .bold)
    axis = CellStyle(.brightBlack)
    header = CellStyle(.default, [.bold, .underline])
    highlight = CellStyle(.green, .bold)
    statusBar = CellStyle(attributes: .reverse)
    key = CellStyle(.cyan, .bold)
    seriesColors = [
      .rgb(31, 119, 180), .rgb(255, 127, 14), .rgb(44, 160, 44), .rgb(214, 39, 40),
      .rgb(148, 103, 189), .rgb(140, 86, 75), .rgb(227, 119, 194), .rgb(127, 127, 127),
      .rgb(188, 189, 34), .rgb(23, 190, 207),
    ]
  }

  public func seriesColor(_ index: Int) -> TerminalColor {
    seriesColors[((index % seriesColors.count) + seriesColors.count) % seriesColors.count]
  }

  public static let unicodeTrueColor = Theme(glyphs: .unicode, colorMode: .trueColor)
  public static let unicodeMonochrome = Theme(glyphs: .unicode, colorMode: .monochrome)
  public static let asciiMonochrome = Theme(glyphs: .ascii, colorMode: .monochrome)
}
