/// A grid of cells that widgets draw into and a terminal back end copies to the screen.
///
/// A class, so that the `CanvasRegion` views handed to widgets write into the one grid. Colours
/// are downgraded to the theme's colour mode as they are written, and in an ASCII theme any
/// non-ASCII scalar becomes `?`, so the grid holds exactly what the terminal will show.
public final class Canvas {
  public let width: Int
  public let height: Int
  public let theme: Theme
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int, theme: Theme) {
    self.width = max(0, width)
    self.height = max(0, height)
    self.theme = theme
    cells = Array(repeating: .blank, count: self.width * self.height)
  }

  public var bounds: Rect { Rect(width: width, height: height) }

  /// The whole canvas as a region for widgets.
  public var root: CanvasRegion { CanvasRegion(canvas: self, frame: bounds) }

  public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

  public func clear() {
    for index in cells.indices { cells[index] = .blank }
  }

  /// Writes one scalar at absolute (x, y) if it lies inside `clip`; returns the columns it took
  /// (0 for zero-width scalars). A wide scalar that would cross the clip's edge becomes a space.
  @discardableResult
  func write(_ scalar: Unicode.Scalar, x: Int, y: Int, style: CellStyle, clip: Rect) -> Int {
    let columns = DisplayWidth.of(scalar)
    guard columns > 0, clip.contains(x: x, y: y) else { return columns }
    var shown = scalar
    if !theme.glyphs.isUnicode && !scalar.isASCII { shown = "?" }
    let styled = theme.colorMode.downgrade(style)
    if columns == 2 && !(theme.glyphs.isUnicode && clip.contains(x: x + 1, y: y)) {
      store(Cell(theme.glyphs.isUnicode ? " " : "?", style: styled), x: x, y: y)
      if clip.contains(x: x + 1, y: y) { store(Cell(" ", style: styled), x: x + 1, y: y) }
      return 2
    }
    store(Cell(shown, style: styled), x: x, y: y)
    if columns == 2 { store(Cell("\u{0}", style: styled), x: x + 1, y: y) }
    return columns
  }

  /// Stores a cell, blanking the other half of any wide character it overwrites.
  private func store(_ cell: Cell, x: Int, y: Int) {
    let index = y * width + x
    if cells[index].isContinuation && x > 0 && !cell.isContinuation {
      cells[index - 1].scalar = " "
    }
    if x + 1 < width && cells[index + 1].isContinuation && DisplayWidth.of(cell.scalar) < 2 {
      cells[index + 1].scalar = " "
    }
    cells[index] = cell
  }

  /// The characters of each row, continuation cells left out (the wide character covers them).
  public func lines() -> [String] {
    (0..<height).map { y in
      var line = String.UnicodeScalarView()
      for x in 0..<width where !self[x, y].isContinuation { line.append(self[x, y].scalar) }
      return String(line)
    }
  }
}
