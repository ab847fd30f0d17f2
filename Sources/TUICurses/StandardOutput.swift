import CNCurses

/// The process's standard output, as C's stdio buffers it.
public enum StandardOutput {
  /// Line-buffers standard output, so that progress lines reach a log file or pipe as they are
  /// printed, not when a 4 KiB buffer fills (Swift 6 cannot name C's global `stdout`).
  public static func lineBuffered() { vlp_line_buffer_stdout() }
}
