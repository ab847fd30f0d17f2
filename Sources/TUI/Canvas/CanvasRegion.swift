/// A column and row, in whichever coordinates the caller works in (local to a region mostly).
public struct Point: Hashable, Sendable {
  public var x: Int
  public var y: Int
  public init(x: Int, y: Int) {
    self.x = x
    self.y = y
  }
}

/// A rectangle of a canvas that a widget draws into in local coordinates: (0, 0) is the
/// region's top-left cell, and nothing is drawn outside it.
public struct CanvasRegion {
  public let canvas: Canvas
  /// Where the region lies on the canvas, clipped to it.
  public let frame: Rect

  public init(canvas: Canvas, frame: Rect) {
    self.canvas = canvas
    self.frame = frame.intersection(canvas.bounds)
  }

  public var width: Int { frame.width }
  public var height: Int { frame.height }
  public var bounds: Rect { Rect(width: width, height: height) }
  public var theme: Theme { canvas.theme }
  public var glyphs: GlyphSet { canvas.theme.glyphs }

  /// A sub-region given in this region's coordinates, clipped to this region.
  public func region(_ rect: Rect) -> CanvasRegion {
    CanvasRegion(
      canvas: canvas, frame: rect.offsetBy(dx: frame.x, dy: frame.y).intersection(frame))
  }

  /// Sets one cell; returns the columns the scalar takes.
  @discardableResult
  public func set(_ scalar: Unicode.Scalar, at point: Point, style: CellStyle = .plain) -> Int {
    canvas.write(scalar, x: frame.x + point.x, y: frame.y + point.y, style: style, clip: frame)
  }

  /// Writes `text` from `at` to the right, one grapheme per cell (wide ones take two), cut at the
  /// region's edge or after `maxWidth` columns. Text that does not fit ends with an ellipsis.
  /// Returns the columns written.
  @discardableResult
  public func put(
    text: String, at point: Point, style: CellStyle = .plain, maxWidth: Int? = nil
  ) -> Int {
    let available = min(maxWidth ?? Int.max, width - point.x)
    guard available > 0, point.y >= 0, point.y < height else { return 0 }
    let fits = DisplayWidth.of(text) <= available
    let limit = fits ? available : available - 1
    var column = 0
    for character in text {
      guard let scalar = character.unicodeScalars.first else { continue }
      let columns = DisplayWidth.of(scalar)
      if columns == 0 { continue }
      if column + columns > limit { break }
      set(scalar, at: Point(x: point.x + column, y: point.y), style: style)
      column += columns
    }
    if !fits {
      set(glyphs.ellipsis, at: Point(x: point.x + column, y: point.y), style: style)
      column += 1
    }
    return column
  }

  /// Fills `rect` (local; the whole region when nil) with one scalar.
  public func fill(
    _ rect: Rect? = nil, with scalar: Unicode.Scalar = " ", style: CellStyle = .plain
  ) {
    let area = (rect ?? bounds).intersection(bounds)
    for y in area.y..<area.maxY {
      for x in area.x..<area.maxX { set(scalar, at: Point(x: x, y: y), style: style) }
    }
  }

  public func horizontalLine(
    row: Int, columns: Range<Int>, scalar: Unicode.Scalar? = nil, style: CellStyle = .plain
  ) {
    for x in columns { set(scalar ?? glyphs.box.horizontal, at: Point(x: x, y: row), style: style) }
  }

  public func verticalLine(
    column: Int, rows: Range<Int>, scalar: Unicode.Scalar? = nil, style: CellStyle = .plain
  ) {
    for y in rows { set(scalar ?? glyphs.box.vertical, at: Point(x: column, y: y), style: style) }
  }
}
