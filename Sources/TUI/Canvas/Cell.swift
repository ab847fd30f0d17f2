/// One terminal cell: a Unicode scalar and its style, plain data (no String per cell), so a
/// 160x48 canvas is one allocation of about 100 KB.
public struct Cell: Hashable, Sendable {
  public var scalar: Unicode.Scalar
  public var style: CellStyle

  public init(_ scalar: Unicode.Scalar, style: CellStyle = .plain) {
    self.scalar = scalar
    self.style = style
  }

  public static let blank = Cell(" ")

  /// The right half of a double-width character drawn in the cell to its left.
  public var isContinuation: Bool { scalar == "\u{0}" }
}
