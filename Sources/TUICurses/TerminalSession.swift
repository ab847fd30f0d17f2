import CNCurses
import Foundation
import Synchronization
import TUI

/// The terminal, taken over for the workbench: curses started in cbreak/noecho mode with keypad
/// decoding, a short Esc delay, input polling with a timeout, default colours and a hidden
/// cursor. `close()` (idempotent; also on deinit, exit and signals) gives the terminal back.
///
///     let terminal = try TerminalSession()
///     defer { terminal.close() }
///     while true {
///       let canvas = terminal.makeCanvas()
///       screen.draw(into: canvas.root)
///       terminal.draw(canvas)
///       if let key = terminal.readKey() { ... }   // nil after `inputTimeout` without a key
///     }
public final class TerminalSession {
  public let colorMode: ColorMode
  /// The locale is UTF-8: Unicode glyphs; otherwise the ASCII glyph set.
  public let isUnicode: Bool
  private let screen: OpaquePointer
  private let painter: CanvasPainter
  private var isClosed = false

  /// Curses has one screen per process.
  private static let isOpen = Atomic<Bool>(false)

  /// - Parameters:
  ///   - environment: for `NO_COLOR`, `COLORTERM` and `TERM`.
  ///   - inputTimeout: how long `readKey` waits for a key, in milliseconds (the redraw rate
  ///     while nothing is typed).
  public init(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    inputTimeout: Int32 = 100
  ) throws(TerminalError) {
    guard isatty(STDIN_FILENO) == 1 else { throw .notATerminal(stream: "input") }
    guard isatty(STDOUT_FILENO) == 1 else { throw .notATerminal(stream: "output") }
    guard
      Self.isOpen.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else { throw .sessionAlreadyOpen }
    setlocale(LC_ALL, "")
    let codeset = String(cString: vlp_codeset()).uppercased()
    isUnicode = codeset == "UTF-8" || codeset == "UTF8"
    TerminalRestore.saveModes()
    guard let screen = Self.startCurses(environment: environment) else {
      Self.isOpen.store(false, ordering: .releasing)
      throw .unknownTerminal(type: environment["TERM"] ?? "")
    }
    // Curses draws by moving the cursor; without that (TERM=dumb) the screen stays blank.
    let missing = Self.requiredCapabilities.filter { vlp_terminfo_string($0.name) == nil }
    guard missing.isEmpty else {
      endwin()
      delscreen(screen)
      Self.isOpen.store(false, ordering: .releasing)
      throw .lacksCapabilities(
        type: environment["TERM"] ?? "", missing: missing.map { "\($0.meaning) (\($0.name))" })
    }
    self.screen = screen
    cbreak()
    noecho()
    nonl()
    let window = vlp_stdscr()
    keypad(window, true)
    wtimeout(window, inputTimeout)
    // Esc alone is a key here (back); 25 ms still joins the bytes of an arrow key's sequence.
    set_escdelay(25)
    curs_set(0)
    if has_colors() {
      start_color()
      use_default_colors()
    }
    colorMode = ColorMode.detect(
      environment: environment, colorCount: has_colors() ? Int(vlp_colors()) : 0)
    painter = CanvasPainter(
      pairs: ColorPairs(
        colorMode: colorMode, colorCount: vlp_colors(), pairCount: vlp_color_pairs()))
    TerminalRestore.activate()
  }

  /// The terminfo capabilities the workbench cannot draw without.
  static let requiredCapabilities = [
    (name: "cup", meaning: "cursor addressing"), (name: "clear", meaning: "clearing the screen"),
  ]

  /// With `COLORTERM=truecolor` the `-direct` variant of `$TERM` (xterm-direct, tmux-direct)
  /// is tried first: only a direct-colour description lets ncurses send 24-bit colours.
  private static func startCurses(environment: [String: String]) -> OpaquePointer? {
    if ColorMode.wantsTrueColor(environment: environment), let term = environment["TERM"],
      !term.hasSuffix("-direct")
    {
      let base = term.replacingOccurrences(of: "-256color", with: "")
      if let screen = vlp_newterm(base + "-direct") { return screen }
    }
    return vlp_newterm(nil)
  }

  deinit { close() }

  public var theme: Theme { Theme(glyphs: isUnicode ? .unicode : .ascii, colorMode: colorMode) }

  /// The terminal's size now (it changes after `Key.resize`).
  public var size: (width: Int, height: Int) {
    var rows: Int32 = 0
    var columns: Int32 = 0
    vlp_getmaxyx(vlp_stdscr(), &rows, &columns)
    return (Int(columns), Int(rows))
  }

  /// A blank canvas of the terminal's current size and this session's theme.
  public func makeCanvas() -> Canvas {
    let (width, height) = size
    return Canvas(width: width, height: height, theme: theme)
  }

  /// Shows a canvas, sending only the cells that changed since the last one.
  public func draw(_ canvas: Canvas) {
    guard !isClosed else { return }
    painter.paint(canvas)
  }

  /// The next key, or nil when none came within the input timeout. SIGINT, SIGTERM and SIGHUP
  /// arrive as Ctrl-C (see `TerminalRestore`).
  public func readKey() -> Key? {
    guard !isClosed else { return nil }
    if TerminalRestore.pendingSignal.exchange(0, ordering: .acquiringAndReleasing) != 0 {
      return .ctrl("c")
    }
    if TerminalRestore.pendingSuspend.exchange(false, ordering: .acquiringAndReleasing) {
      suspend()
    }
    if TerminalRestore.pendingRedraw.exchange(false, ordering: .acquiringAndReleasing) {
      redrawAll()
    }
    var code: Int32 = 0
    switch vlp_read_key(vlp_stdscr(), &code) {
    case 1: return KeyDecoding.character(code)
    case 2:
      let key = KeyDecoding.keyCode(code)
      if key == .resize { painter.invalidate() }
      return key
    default: return nil
    }
  }

  /// Ctrl-Z: as curses programs do, leave curses mode (the shell gets its terminal back), stop
  /// the whole process (training too), and on SIGCONT (`fg`) take the terminal again and
  /// repaint everything.
  private func suspend() {
    endwin()
    TerminalRestore.stopProcess()
    redrawAll()
  }

  /// The next frame repaints every cell (after a suspend, or a SIGCONT from elsewhere).
  private func redrawAll() {
    clearok(vlp_stdscr(), true)
    painter.invalidate()
  }

  /// Gives the terminal back (endwin). Safe to call more than once.
  public func close() {
    guard !isClosed else { return }
    isClosed = true
    TerminalRestore.endCurses()
    delscreen(screen)
    Self.isOpen.store(false, ordering: .releasing)
  }
}
