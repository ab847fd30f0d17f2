/// One line: a bar filled to `fraction` (blocks, or `#` and `-` in ASCII) and a text after it,
/// e.g. `[████░░░░░░] optimising · iteration 350/1,000 · 12s, 25s left`. Without a fraction
/// (a phase with nothing to count) the bar is left out and only the text is shown.
public struct ProgressBar: Sendable {
  public var fraction: Double?
  public var text: String
  /// Columns of the bar itself, brackets excluded (at most a sixth of the region's width, so
  /// the text fits beside it on 80 columns).
  public var barWidth: Int

  public init(fraction: Double?, text: String, barWidth: Int = 20) {
    (self.fraction, self.text, self.barWidth) = (fraction, text, barWidth)
  }

  public func draw(into region: CanvasRegion) {
    let theme = region.theme
    var x = 0
    if let fraction, region.width >= 24 {
      let width = min(barWidth, region.width / 6)
      let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
      let (full, empty): (Unicode.Scalar, Unicode.Scalar) =
        theme.glyphs.isUnicode ? ("█", "░") : ("#", "-")
      region.set("[", at: Point(x: 0, y: 0), style: theme.dim)
      for column in 0..<width {
        region.set(
          column < filled ? full : empty, at: Point(x: 1 + column, y: 0),
          style: column < filled ? theme.highlight : theme.dim)
      }
      region.set("]", at: Point(x: width + 1, y: 0), style: theme.dim)
      x = width + 3
    }
    region.put(text: theme.glyphs.text(text), at: Point(x: x, y: 0), style: theme.text)
  }
}
