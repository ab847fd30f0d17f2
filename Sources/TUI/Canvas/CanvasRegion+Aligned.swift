public enum TextAlignment: Hashable, Sendable {
  case left
  case right
  case center
}

extension CanvasRegion {
  /// Writes `text` in a field of `width` columns starting at `at`, aligned within it and cut
  /// with an ellipsis when longer. Returns the columns written.
  @discardableResult
  public func put(
    text: String, at point: Point, width: Int, alignment: TextAlignment,
    style: CellStyle = .plain
  ) -> Int {
    let slack = max(0, width - DisplayWidth.of(text))
    let offset: Int
    switch alignment {
    case .left: offset = 0
    case .right: offset = slack
    case .center: offset = slack / 2
    }
    return put(
      text: text, at: Point(x: point.x + offset, y: point.y), style: style,
      maxWidth: width - offset)
  }
}
