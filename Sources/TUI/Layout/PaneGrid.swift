import Foundation

/// How many equal panes fit a rectangle: the degrade policy of multi-pane screens (btop's way:
/// show fewer panes on a small terminal rather than a "too small" screen).
public struct PaneGrid: Hashable, Sendable {
  public let columns: Int
  public let rows: Int
  /// Panes shown: at most `columns * rows`, and never more than were asked for.
  public let visibleCount: Int

  /// The grid for `paneCount` panes of at least `minimumWidth` x `minimumHeight` cells. Among
  /// the grids that show the most panes it picks the one whose panes are closest to
  /// `preferredAspect` (width / height in cells; about 2.5 looks square-ish on a terminal).
  /// A rectangle too small for even one pane still gets one, so a screen always shows something.
  public static func fitting(
    paneCount: Int, in size: Rect, minimumWidth: Int, minimumHeight: Int,
    preferredAspect: Double = 2.5
  ) -> PaneGrid {
    guard paneCount > 0 else { return PaneGrid(columns: 0, rows: 0, visibleCount: 0) }
    let maxColumns = max(1, min(paneCount, size.width / max(1, minimumWidth)))
    let maxRows = max(1, size.height / max(1, minimumHeight))
    var best = PaneGrid(columns: 1, rows: 1, visibleCount: 1)
    var bestScore = Double.infinity
    for columns in 1...maxColumns {
      let rows = min(maxRows, (paneCount + columns - 1) / columns)
      let visible = min(paneCount, columns * rows)
      let paneAspect =
        (Double(size.width) / Double(columns)) / max(1, Double(size.height) / Double(rows))
      let score = abs(log(paneAspect / preferredAspect))
      if visible > best.visibleCount || (visible == best.visibleCount && score < bestScore) {
        best = PaneGrid(columns: columns, rows: rows, visibleCount: visible)
        bestScore = score
      }
    }
    return best
  }

  /// The panes' rectangles, row by row; the last row may hold fewer panes, which then share
  /// its width.
  public func rects(in rect: Rect) -> [Rect] {
    guard visibleCount > 0 else { return [] }
    let usedRows = (visibleCount + columns - 1) / columns
    let rowRects = Layout.rows(rect, Array(repeating: .fill, count: usedRows))
    var result: [Rect] = []
    for (rowIndex, rowRect) in rowRects.enumerated() {
      let count = min(columns, visibleCount - rowIndex * columns)
      result += Layout.columns(rowRect, Array(repeating: .fill, count: count))
    }
    return result
  }
}

extension PaneGrid {
  /// How far an arrow key (or h j k l) moves the selection in a grid of `columns` panes.
  static func offset(of key: Key, columns: Int) -> Int {
    switch key {
    case .left, .character("h"): -1
    case .right, .character("l"): 1
    case .up, .character("k"): -columns
    case .down, .character("j"): columns
    default: 0
    }
  }
}
