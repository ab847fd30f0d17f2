/// The characters widgets draw with: Unicode (box drawing, braille, block elements) for UTF-8
/// terminals, and a pure-ASCII fallback for other locales. Every glyph is one column wide.
public struct GlyphSet: Sendable {
  public struct Box: Sendable {
    public let horizontal, vertical: Unicode.Scalar
    public let topLeft, topRight, bottomLeft, bottomRight: Unicode.Scalar
    /// `┤`, `├`, `┬`, `┴`: where an axis tick or a title meets a line.
    public let teeLeft, teeRight, teeDown, teeUp: Unicode.Scalar
  }

  public let isUnicode: Bool
  public let box: Box
  /// The plot raster: braille cells of 2x4 dots, or ASCII cells of 1x3 "dots".
  public let raster: RasterKind
  public let ellipsis: Unicode.Scalar
  /// `▀`: the upper pixel in the foreground colour over the lower one in the background.
  public let upperHalfBlock: Unicode.Scalar?
  public let fullBlock: Unicode.Scalar
  /// Dark to light, for images without colour.
  public let luminanceRamp: [Unicode.Scalar]
  public let legendLine: Unicode.Scalar
  public let filledMarker: Unicode.Scalar
  public let hollowMarker: Unicode.Scalar
  public let separator: Unicode.Scalar
  /// Arrows in key names: `↑` or nil (then keys print as `Up`).
  public let arrows:
    (
      up: Unicode.Scalar, down: Unicode.Scalar, left: Unicode.Scalar,
      right: Unicode.Scalar
    )?

  public static let unicode = GlyphSet(
    isUnicode: true,
    box: Box(
      horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
      bottomRight: "┘", teeLeft: "┤", teeRight: "├", teeDown: "┬", teeUp: "┴"),
    raster: .braille, ellipsis: "…", upperHalfBlock: "▀", fullBlock: "█",
    luminanceRamp: asciiRamp, legendLine: "─", filledMarker: "●", hollowMarker: "○",
    separator: "·", arrows: ("↑", "↓", "←", "→"))

  public static let ascii = GlyphSet(
    isUnicode: false,
    box: Box(
      horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
      bottomRight: "+", teeLeft: "|", teeRight: "|", teeDown: "+", teeUp: "+"),
    raster: .ascii, ellipsis: "~", upperHalfBlock: nil, fullBlock: "#",
    luminanceRamp: asciiRamp, legendLine: "-", filledMarker: "*", hollowMarker: "o",
    separator: "|", arrows: nil)

  /// Without colour an image is drawn as characters of increasing ink, in both glyph sets.
  static let asciiRamp: [Unicode.Scalar] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
}
