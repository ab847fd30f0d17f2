/// A plot area in dots (braille 2x4 or ASCII 1x3 per cell), one mask byte and one colour per
/// cell. Each dot comes with a priority: a higher one takes the cell over (a smoothed curve
/// hides the dimmed raw curve it crosses), an equal one adds its dots and its colour.
public struct DotRaster {
  public let kind: RasterKind
  public let columns: Int
  public let rows: Int
  private var masks: [UInt8]
  private var styles: [CellStyle]
  private var priorities: [Int8]

  public init(kind: RasterKind, columns: Int, rows: Int) {
    self.kind = kind
    self.columns = max(0, columns)
    self.rows = max(0, rows)
    let count = self.columns * self.rows
    masks = Array(repeating: 0, count: count)
    styles = Array(repeating: .plain, count: count)
    priorities = Array(repeating: .min, count: count)
  }

  public var dotWidth: Int { columns * kind.dotsPerCell.columns }
  public var dotHeight: Int { rows * kind.dotsPerCell.rows }

  /// Sets the dot at (x, y), y counted from the top; dots outside are ignored.
  public mutating func setDot(x: Int, y: Int, style: CellStyle, priority: Int8 = 0) {
    guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
    let (perColumn, perRow) = kind.dotsPerCell
    let index = (y / perRow) * columns + x / perColumn
    let bit = kind.bit(column: x % perColumn, row: y % perRow)
    if priority > priorities[index] {
      (masks[index], priorities[index]) = (bit, priority)
    } else if priority == priorities[index] {
      masks[index] |= bit
    } else {
      return
    }
    styles[index] = style
  }

  /// Dots along the segment between two points in dot coordinates (y down): clipped to the
  /// raster first (Liang-Barsky), so an outlier far off the plot costs nothing, then Bresenham.
  public mutating func drawLine(
    from start: (x: Double, y: Double), to end: (x: Double, y: Double), style: CellStyle,
    priority: Int8 = 0
  ) {
    guard let (a, b) = clip(start, end) else { return }
    var (x, y) = (Int(a.x.rounded()), Int(a.y.rounded()))
    let (endX, endY) = (Int(b.x.rounded()), Int(b.y.rounded()))
    let (dx, dy) = (abs(endX - x), -abs(endY - y))
    let (stepX, stepY) = (x < endX ? 1 : -1, y < endY ? 1 : -1)
    var error = dx + dy
    while true {
      setDot(x: x, y: y, style: style, priority: priority)
      if x == endX && y == endY { break }
      let doubled = 2 * error
      if doubled >= dy {
        error += dy
        x += stepX
      }
      if doubled <= dx {
        error += dx
        y += stepY
      }
    }
  }

  private func clip(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double))
    -> ((x: Double, y: Double), (x: Double, y: Double))?
  {
    guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return nil }
    let (dx, dy) = (b.x - a.x, b.y - a.y)
    var (low, high) = (0.0, 1.0)
    let limits: [(Double, Double)] = [
      (-dx, a.x + 0.5), (dx, Double(dotWidth) - 0.5 - a.x),
      (-dy, a.y + 0.5), (dy, Double(dotHeight) - 0.5 - a.y),
    ]
    for (p, q) in limits {
      if p == 0 {
        if q < 0 { return nil }
        continue
      }
      let t = q / p
      if p < 0 { low = max(low, t) } else { high = min(high, t) }
      if low > high { return nil }
    }
    return ((a.x + low * dx, a.y + low * dy), (a.x + high * dx, a.y + high * dy))
  }

  public func mask(column: Int, row: Int) -> UInt8 { masks[row * columns + column] }

  /// Copies the set cells into `region` at `origin`; empty cells are left as they are.
  public func draw(into region: CanvasRegion, at origin: Point = Point(x: 0, y: 0)) {
    for row in 0..<rows {
      for column in 0..<columns {
        let index = row * columns + column
        guard masks[index] != 0 else { continue }
        region.set(
          kind.glyph(masks[index]), at: Point(x: origin.x + column, y: origin.y + row),
          style: styles[index])
      }
    }
  }
}
