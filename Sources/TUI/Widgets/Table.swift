/// Which value of a column to highlight as its best.
public enum BestValue: Hashable, Sendable {
  case none
  case highest
  case lowest
}

public struct TableColumn: Sendable {
  public var title: String
  public var alignment: TextAlignment
  public var best: BestValue

  public init(_ title: String, alignment: TextAlignment = .left, best: BestValue = .none) {
    self.title = title
    self.alignment = alignment
    self.best = best
  }
}

/// A table of text cells under a header row: columns sized to their contents and shrunk
/// (widest first) to fit, cells cut with an ellipsis, each column's best numeric cell
/// highlighted, and an optional selected row shown in reverse video and kept in view.
public struct Table: Sendable {
  public var columns: [TableColumn]
  public var rows: [[String]]
  public var selectedRow: Int?

  public init(columns: [TableColumn], rows: [[String]], selectedRow: Int? = nil) {
    self.columns = columns
    self.rows = rows
    self.selectedRow = selectedRow
  }

  /// Columns between fields.
  public static let gap = 2

  public func draw(into region: CanvasRegion) {
    guard !columns.isEmpty, region.height > 0 else { return }
    let theme = region.theme
    let widths = columnWidths(available: region.width)
    var x = 0
    var starts: [Int] = []
    for width in widths {
      starts.append(x)
      x += width + Self.gap
    }
    for (index, column) in columns.enumerated() {
      region.put(
        text: column.title, at: Point(x: starts[index], y: 0), width: widths[index],
        alignment: column.alignment, style: theme.header)
    }
    let visibleRows = region.height - 1
    guard visibleRows > 0 else { return }
    let first = max(0, (selectedRow ?? 0) - visibleRows + 1)
    let best = columns.indices.map { bestRow(column: $0) }
    for (offset, rowIndex) in (first..<min(rows.count, first + visibleRows)).enumerated() {
      let y = 1 + offset
      let isSelected = rowIndex == selectedRow
      if isSelected {
        region.fill(Rect(x: 0, y: y, width: region.width, height: 1), style: selectedStyle)
      }
      for (index, column) in columns.enumerated() {
        let text = index < rows[rowIndex].count ? rows[rowIndex][index] : ""
        var style = best[index] == rowIndex ? theme.highlight : theme.text
        if isSelected { style = style.adding(.reverse) }
        region.put(
          text: text, at: Point(x: starts[index], y: y), width: widths[index],
          alignment: column.alignment, style: style)
      }
    }
  }

  private var selectedStyle: CellStyle { CellStyle(attributes: .reverse) }

  /// Natural widths (the widest cell or title), then the widest column loses a column at a time
  /// until the table fits; no column goes below one cell.
  func columnWidths(available: Int) -> [Int] {
    var widths = columns.enumerated().map { index, column in
      rows.reduce(DisplayWidth.of(column.title)) { widest, row in
        index < row.count ? max(widest, DisplayWidth.of(row[index])) : widest
      }
    }
    let budget = available - Self.gap * (columns.count - 1)
    while widths.reduce(0, +) > budget,
      let widest = widths.indices.max(by: {
        widths[$0] < widths[$1]
      }), widths[widest] > 1
    {
      widths[widest] -= 1
    }
    return widths
  }

  /// The row of the best numeric value of a column (its leading number: `0.41`, `62%`), the
  /// first one on ties; nil when the column has no best or no numbers.
  func bestRow(column: Int) -> Int? {
    guard columns[column].best != .none else { return nil }
    var best: (row: Int, value: Double)?
    for (rowIndex, row) in rows.enumerated() where column < row.count {
      guard let value = Self.leadingNumber(row[column]) else { continue }
      let better =
        columns[column].best == .highest
        ? value > (best?.value ?? -.infinity)
        : value < (best?.value ?? .infinity)
      if better { best = (rowIndex, value) }
    }
    return best?.row
  }

  static func leadingNumber(_ text: String) -> Double? {
    let trimmed = text.drop { $0 == " " }
    let number = trimmed.prefix { "+-.0123456789eE".contains($0) }
    return Double(number)
  }
}
