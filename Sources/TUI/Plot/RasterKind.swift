/// How a plot cell is divided into dots.
public enum RasterKind: Sendable {
  /// Unicode braille: 2 columns x 4 rows of dots per cell (U+2800 plus one bit per dot).
  case braille
  /// ASCII: 1 column x 3 rows per cell, drawn as `'` (top), `-` (middle), `.` (bottom) and
  /// `:`, `*`, `|` where several are set.
  case ascii

  public var dotsPerCell: (columns: Int, rows: Int) {
    switch self {
    case .braille: return (2, 4)
    case .ascii: return (1, 3)
    }
  }

  /// The bit of dot (column, row) within a cell. Braille numbers its dots 1-2-3-7 down the
  /// left column and 4-5-6-8 down the right, bits 0-7 in that order.
  public func bit(column: Int, row: Int) -> UInt8 {
    switch self {
    case .braille:
      let left: [UInt8] = [0x01, 0x02, 0x04, 0x40]
      let right: [UInt8] = [0x08, 0x10, 0x20, 0x80]
      return column == 0 ? left[row] : right[row]
    case .ascii:
      return UInt8(1) << UInt8(row)
    }
  }

  /// A cell full of dots for legends: `⣿`, or `.` in ASCII (where a full cell reads as a bar).
  public var sampleGlyph: Unicode.Scalar { self == .braille ? "⣿" : "." }

  /// The glyph for a cell's set dots (never called with an empty mask).
  public func glyph(_ mask: UInt8) -> Unicode.Scalar {
    switch self {
    case .braille: return Unicode.Scalar(0x2800 + UInt32(mask))!
    case .ascii: return RasterKind.asciiGlyphs[Int(mask & 7)]
    }
  }

  // Index bits: 1 top, 2 middle, 4 bottom.
  static let asciiGlyphs: [Unicode.Scalar] = [" ", "'", "-", "*", ".", ":", "*", "|"]
}
