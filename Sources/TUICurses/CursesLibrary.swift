import CNCurses

/// The ncurses library this process linked, for `vlp --version` (the executable does not
/// import the C module itself).
public enum CursesLibrary {
  /// The version string of the library loaded at run time, e.g. "ncurses 6.4.20221231".
  public static var version: String { String(cString: vlp_curses_version()) }
}
