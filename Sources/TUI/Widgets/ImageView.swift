/// An image in half blocks: each cell shows two pixels, `▀` in the upper one's colour over the
/// lower one's as background, scaled nearest-neighbour to fit the region with square pixels
/// (a cell is about twice as tall as wide). The canvas maps the colours to a 256 or 8 colour
/// palette; without colour the pixels become an ASCII luminance ramp; in the ASCII theme with
/// colour each cell is a space in the pair's mean colour.
public struct ImageView: Sendable {
  public var image: RGBImage

  public init(image: RGBImage) { self.image = image }

  /// The size the image is shown at, in pixels (cells are 1 pixel wide and 2 tall).
  public func shownSize(in region: CanvasRegion) -> (width: Int, height: Int) {
    guard image.width > 0, image.height > 0 else { return (0, 0) }
    let scale = min(
      Double(region.width) / Double(image.width), Double(2 * region.height) / Double(image.height))
    return (
      min(region.width, Int(Double(image.width) * scale)),
      min(2 * region.height, Int(Double(image.height) * scale))
    )
  }

  public func draw(into region: CanvasRegion) {
    let (shownWidth, shownHeight) = shownSize(in: region)
    guard shownWidth > 0, shownHeight > 0 else { return }
    let theme = region.theme
    let sourceX = (0..<shownWidth).map { min(image.width - 1, $0 * image.width / shownWidth) }
    let sourceY = (0..<shownHeight).map { min(image.height - 1, $0 * image.height / shownHeight) }
    for row in 0..<((shownHeight + 1) / 2) {
      let upperY = sourceY[2 * row]
      let lowerY = 2 * row + 1 < shownHeight ? sourceY[2 * row + 1] : nil
      for column in 0..<shownWidth {
        let x = sourceX[column]
        let point = Point(x: column, y: row)
        if theme.colorMode == .monochrome {
          let lower = lowerY.map { image.luminance(x: x, y: $0) }
          let luminance = (image.luminance(x: x, y: upperY) + (lower ?? 0)) / (lower == nil ? 1 : 2)
          let ramp = theme.glyphs.luminanceRamp
          let index = Int((luminance * Float(ramp.count - 1)).rounded())
          region.set(ramp[index], at: point, style: theme.text)
        } else if let halfBlock = theme.glyphs.upperHalfBlock {
          let lower = lowerY.map { image.color(x: x, y: $0) } ?? .default
          region.set(
            halfBlock, at: point,
            style: CellStyle(foreground: image.color(x: x, y: upperY), background: lower))
        } else {
          region.set(" ", at: point, style: CellStyle(background: meanColor(x, upperY, lowerY)))
        }
      }
    }
  }

  private func meanColor(_ x: Int, _ upperY: Int, _ lowerY: Int?) -> TerminalColor {
    let rows = [upperY] + (lowerY.map { [$0] } ?? [])
    var sum: [Float] = [0, 0, 0]
    for y in rows {
      for channel in 0..<3 { sum[channel] += image.pixels[(y * image.width + x) * 3 + channel] }
    }
    let count = Float(rows.count)
    return .rgb(red: sum[0] / count, green: sum[1] / count, blue: sum[2] / count)
  }
}
