import CNCurses
import Glibc
import Synchronization

/// Puts the terminal back however the process ends: `close()`, `exit()` (an atexit hook), or
/// a signal. Signal handlers may only call async-signal-safe functions, and `endwin` is not
/// one, so the handlers restore the terminal with what is: `tcsetattr` with the modes saved
/// before curses started, and `write` of the terminal's own reset strings (attributes off,
/// cursor on, keypad off, leave the alternate screen) captured while curses was set up.
///
/// - SIGINT, SIGTERM, SIGHUP: the first one only sets a flag, which `readKey` turns into Ctrl-C
///   so the screen's quit path runs (training stops and saves); a second one restores the
///   terminal and ends the process by the signal's default action.
/// - SIGQUIT (Ctrl-\\) is one of them: a request to save and quit, never the Swift runtime's
///   crash backtrace.
/// - SIGTSTP (Ctrl-Z) and SIGCONT set flags that `readKey` acts on: suspend (endwin, stop) and
///   repaint.
/// - SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTRAP: restore, then the default action (core dump) at once.
enum TerminalRestore {
  static let isActive = Atomic<Bool>(false)
  static let pendingSignal = Atomic<Int32>(0)
  static let pendingSuspend = Atomic<Bool>(false)
  static let pendingRedraw = Atomic<Bool>(false)
  private static let atexitRegistered = Atomic<Bool>(false)

  static let interruptSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
  static let jobControlSignals: [Int32] = [SIGTSTP, SIGCONT]
  // SIGILL and SIGTRAP: a Swift runtime trap (a failed precondition, an overflow).
  static let fatalSignals: [Int32] = [SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTRAP]

  /// Written once in `activate` before any handler is installed, read only by handlers.
  nonisolated(unsafe) private static var savedModes = termios()
  nonisolated(unsafe) private static var hasSavedModes = false
  nonisolated(unsafe) private static var resetBytes: UnsafeMutableBufferPointer<UInt8>?

  /// Saves the terminal modes; call before curses changes them.
  static func saveModes() {
    hasSavedModes = tcgetattr(STDIN_FILENO, &savedModes) == 0
  }

  /// Captures the reset strings (after curses has loaded the terminal description) and
  /// installs the handlers and the atexit hook.
  static func activate() {
    var bytes: [UInt8] = []
    for capability in ["sgr0", "cnorm", "rmkx", "rmcup"] {
      if let value = vlp_terminfo_string(capability) { bytes += Array(String(cString: value).utf8) }
    }
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
    _ = buffer.initialize(from: bytes)
    resetBytes?.deallocate()
    resetBytes = UnsafeMutableBufferPointer(rebasing: buffer[..<bytes.count])
    pendingSignal.store(0, ordering: .relaxed)
    isActive.store(true, ordering: .releasing)
    for signal in interruptSignals + fatalSignals { Glibc.signal(signal, handleSignal) }
    for signal in jobControlSignals { Glibc.signal(signal, handleJobControl) }
    if !atexitRegistered.exchange(true, ordering: .relaxed) {
      atexit { TerminalRestore.endCurses() }
    }
  }

  /// `endwin` once, from normal code (close, atexit); handlers back to the defaults.
  static func endCurses() {
    guard isActive.exchange(false, ordering: .acquiringAndReleasing) else { return }
    for signal in interruptSignals + fatalSignals + jobControlSignals {
      Glibc.signal(signal, SIG_DFL)
    }
    endwin()
  }

  /// Stops the process as Ctrl-Z would have (curses mode already left); returns once continued.
  static func stopProcess() {
    Glibc.signal(SIGTSTP, SIG_DFL)
    raise(SIGTSTP)
    Glibc.signal(SIGTSTP, handleJobControl)
  }

  /// Async-signal-safe restore: only tcsetattr and write.
  fileprivate static func restoreFromSignal() {
    guard isActive.exchange(false, ordering: .acquiringAndReleasing) else { return }
    if let resetBytes, let base = resetBytes.baseAddress, resetBytes.count > 0 {
      _ = write(STDOUT_FILENO, base, resetBytes.count)
    }
    if hasSavedModes { _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedModes) }
  }
}

private func handleJobControl(_ signal: Int32) {
  if signal == SIGTSTP {
    TerminalRestore.pendingSuspend.store(true, ordering: .releasing)
  } else {
    TerminalRestore.pendingRedraw.store(true, ordering: .releasing)
  }
}

private func handleSignal(_ signal: Int32) {
  // Constants, not the static arrays: nothing in a handler should touch lazy globals.
  let isInterrupt = signal == SIGINT || signal == SIGTERM || signal == SIGHUP || signal == SIGQUIT
  if isInterrupt && TerminalRestore.isActive.load(ordering: .acquiring) {
    let (exchanged, _) = TerminalRestore.pendingSignal.compareExchange(
      expected: 0, desired: signal, ordering: .acquiringAndReleasing)
    if exchanged { return }
  }
  TerminalRestore.restoreFromSignal()
  Glibc.signal(signal, SIG_DFL)
  raise(signal)
}
