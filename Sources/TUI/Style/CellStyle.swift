/// Bold, dim, reverse, underline: what a terminal can show without colour.
public struct TextAttributes: OptionSet, Hashable, Sendable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let bold = TextAttributes(rawValue: 1)
  public static let dim = TextAttributes(rawValue: 2)
  public static let reverse = TextAttributes(rawValue: 4)
  public static let underline = TextAttributes(rawValue: 8)

  static let named: [(TextAttributes, String)] = [
    (.bold, "bold"), (.dim, "dim"), (.reverse, "reverse"), (.underline, "underline"),
  ]
}

/// The look of one cell: a few bytes of plain data, so a canvas of them allocates once.
public struct CellStyle: Hashable, Sendable {
  public var foreground: TerminalColor
  public var background: TerminalColor
  public var attributes: TextAttributes

  public init(
    foreground: TerminalColor = .default, background: TerminalColor = .default,
    attributes: TextAttributes = []
  ) {
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }

  public static let plain = CellStyle()

  public init(_ foreground: TerminalColor, _ attributes: TextAttributes = []) {
    self.init(foreground: foreground, attributes: attributes)
  }

  public func adding(_ more: TextAttributes) -> CellStyle {
    var style = self
    style.attributes.formUnion(more)
    return style
  }

  /// `fg=red bold` as snapshots print it; empty for the plain style.
  public var summary: String {
    var parts: [String] = []
    if foreground != .default { parts.append("fg=\(foreground.name)") }
    if background != .default { parts.append("bg=\(background.name)") }
    for (attribute, name) in TextAttributes.named where attributes.contains(attribute) {
      parts.append(name)
    }
    return parts.joined(separator: " ")
  }
}
