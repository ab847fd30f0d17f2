import Foundation

/// Limits below which vlp cannot work at all, checked before a command starts: with too few
/// file descriptors (`ulimit -n 5`) the runtime's own event queue fails and the process traps,
/// and a little above that every file vlp opens fails. Refusing first, with the limit and the
/// fix, beats a crash or a misleading error about whichever file came first.
enum ResourceLimits {
  /// Standard streams, the runtime's event queue and signal sources, the session lock, a log
  /// append, a checkpoint's temporary and its folder, the terminal: measured at 12, with room.
  static let minimumOpenFiles: UInt = 16

  /// The error to exit with, or nil when the limits allow a run.
  static func problem() -> String? {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0,
      limit.rlim_cur < rlim_t(minimumOpenFiles)  // RLIM_INFINITY is the largest value
    else { return nil }
    return "too few open files allowed: the limit (`ulimit -n`) is \(limit.rlim_cur) and vlp "
      + "needs at least \(minimumOpenFiles); raise it (e.g. `ulimit -n 1024`) and run again. "
      + "Nothing was read or written."
  }
}
