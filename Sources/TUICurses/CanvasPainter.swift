import CNCurses
import TUI

/// Copies canvases to the screen without flicker: only the cells that changed since the last
/// frame are written to curses' virtual screen, then `wnoutrefresh` + `doupdate` send the
/// difference in one write. A new size redraws everything.
final class CanvasPainter {
  private let pairs: ColorPairs
  private var previous: [Cell] = []
  private var previousSize = (width: 0, height: 0)

  init(pairs: ColorPairs) { self.pairs = pairs }

  func paint(_ canvas: Canvas) {
    guard let window = vlp_stdscr() else { return }
    let sameSize = previousSize == (canvas.width, canvas.height)
    if !sameSize { werase(window) }
    for y in 0..<canvas.height {
      for x in 0..<canvas.width {
        let index = y * canvas.width + x
        let cell = canvas.cells[index]
        if sameSize && previous[index] == cell { continue }
        // The right half of a wide character is drawn by the character itself.
        if cell.isContinuation { continue }
        let pair = pairs.pair(foreground: cell.style.foreground, background: cell.style.background)
        // Errors are ignored: the bottom-right cell reports one (the cursor cannot advance).
        _ = vlp_put_cell(
          window, Int32(y), Int32(x), cell.scalar.value, Int32(cell.style.attributes.rawValue),
          pair)
      }
    }
    previous = canvas.cells
    previousSize = (canvas.width, canvas.height)
    wnoutrefresh(window)
    doupdate()
  }

  /// Forgets the last frame, so the next one is drawn whole (after a resize or `clearok`).
  func invalidate() { previousSize = (0, 0) }
}
