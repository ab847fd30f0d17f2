/// Why the workbench could not take over the terminal.
public enum TerminalError: Error, CustomStringConvertible, Equatable {
  /// Standard input or output is a pipe or a file (`vlp | less`, cron, CI).
  case notATerminal(stream: String)
  /// ncurses knows no terminal description for `$TERM`.
  case unknownTerminal(type: String)
  /// Another session is open (curses has one screen per process).
  case sessionAlreadyOpen
  /// The terminal cannot move the cursor (TERM=dumb, an editor's shell buffer): the screen
  /// would stay blank.
  case lacksCapabilities(type: String, missing: [String])

  public var description: String {
    switch self {
    case .notATerminal(let stream):
      return "standard \(stream) is not a terminal, and the workbench needs one. "
        + "To train without the interface, run `vlp run SESSION` (see `vlp help`)."
    case .unknownTerminal(let type):
      return "the terminal type \"\(type)\" is unknown to ncurses (no terminfo entry). "
        + "Set TERM to one your system knows, e.g. TERM=xterm-256color, "
        + "or train without the interface: `vlp run SESSION`."
    case .lacksCapabilities(let type, let missing):
      return "the terminal type \"\(type)\" lacks what the workbench needs to draw ("
        + missing.joined(separator: ", ") + "), so it would show nothing. "
        + "Train without the interface with `vlp run SESSION`, or use a full terminal "
        + "(e.g. TERM=xterm-256color)."
    case .sessionAlreadyOpen:
      return "a terminal session is already open; close it before opening another"
    }
  }
}
