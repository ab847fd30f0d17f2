import Foundation

/// Points binned into the cells of a plot, each cell shaded by how many fell in it, so that a
/// dense cluster does not look like a sparse one (a plain scatter draws 50 points and 5,000
/// alike once their dots fill a cell). A cell shows 1 to 8 dots of a braille cell (or an ASCII
/// ramp character): one point is one dot, and the dots grow with log(count) up to all eight at
/// `fullCount`, the count of the densest cells (at least 8).
/// The cell's colour is the class most of its points belong to.
public struct DensityRaster: Sendable {
  public static let levels = 8

  public let columns: Int
  public let rows: Int
  public let classCount: Int
  private var counts: [Int]
  /// (cell, class) counts, `classCount` per cell.
  private var classCounts: [Int32]

  public init(columns: Int, rows: Int, classCount: Int) {
    self.columns = max(0, columns)
    self.rows = max(0, rows)
    self.classCount = max(1, classCount)
    counts = Array(repeating: 0, count: self.columns * self.rows)
    classCounts = Array(repeating: 0, count: self.columns * self.rows * self.classCount)
  }

  /// One point in cell (column, row), row 0 at the top; outside the raster it is ignored.
  public mutating func add(column: Int, row: Int, classIndex: Int) {
    guard column >= 0, row >= 0, column < columns, row < rows else { return }
    let cell = row * columns + column
    counts[cell] += 1
    classCounts[cell * classCount + min(max(classIndex, 0), classCount - 1)] += 1
  }

  public func count(column: Int, row: Int) -> Int { counts[row * columns + column] }

  /// The class with the most points in the cell (ties: the lower index); nil when empty.
  public func majorityClass(column: Int, row: Int) -> Int? {
    let cell = row * columns + column
    guard counts[cell] > 0 else { return nil }
    var best = 0
    for c in 1..<classCount where classCounts[cell * classCount + c] > classCounts[cell * classCount + best] {
      best = c
    }
    return best
  }

  /// The count drawn fully shaded: the 95th percentile of the non-empty cells' counts (one
  /// crowded cell does not wash out the rest), at least `levels`.
  public var fullCount: Int {
    let filled = counts.filter { $0 > 0 }.sorted()
    guard !filled.isEmpty else { return Self.levels }
    let index = min(filled.count - 1, Int((0.95 * Double(filled.count - 1)).rounded()))
    return max(Self.levels, filled[index])
  }

  /// 0 for an empty cell; 1 to `levels` otherwise: 1 + 7 log(count) / log(full), so one point
  /// is one dot, `full` points (or more) all eight, and each doubling adds about the same.
  public static func level(count: Int, full: Int) -> Int {
    guard count > 0 else { return 0 }
    guard count < full else { return levels }
    let fraction = log2(Double(count)) / log2(Double(full))  // full > count >= 1
    return min(levels, 1 + Int(Double(levels - 1) * fraction))
  }

  /// Braille dots in the order they are added, spread over the cell (column, row).
  static let brailleOrder: [(Int, Int)] = [(0, 1), (1, 2), (1, 0), (0, 3), (0, 2), (1, 1), (0, 0), (1, 3)]
  static let asciiRamp: [Unicode.Scalar] = [".", ":", "-", "=", "+", "*", "#", "@"]

  /// The glyph of a shade level (1...levels).
  public static func glyph(level: Int, kind: RasterKind) -> Unicode.Scalar {
    let level = min(max(level, 1), levels)
    switch kind {
    case .braille:
      let mask = brailleOrder.prefix(level).reduce(UInt8(0)) { $0 | kind.bit(column: $1.0, row: $1.1) }
      return kind.glyph(mask)
    case .ascii:
      return asciiRamp[level - 1]
    }
  }

  /// Draws the non-empty cells into `region`, coloured by `color(class)`: the faintest levels
  /// dim, the densest bold, so brightness follows density where colour is shown.
  public func draw(
    into region: CanvasRegion, kind: RasterKind, color: (Int) -> TerminalColor
  ) {
    let full = fullCount
    for row in 0..<rows {
      for column in 0..<columns {
        let count = counts[row * columns + column]
        guard count > 0, let majority = majorityClass(column: column, row: row) else { continue }
        let level = Self.level(count: count, full: full)
        let attributes: TextAttributes = level <= 2 ? .dim : level >= Self.levels - 1 ? .bold : []
        region.set(
          Self.glyph(level: level, kind: kind), at: Point(x: column, y: row),
          style: CellStyle(color(majority), attributes))
      }
    }
  }
}
