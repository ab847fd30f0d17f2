import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Test-only fault injection, inert unless the environment sets it:
///
///     VLP_FAULT_POINT=NAME:N[:SIGNAL]
///
/// sends SIGNAL (KILL by default; TERM, HUP, INT or QUIT) to this process the N-th time it
/// reaches the point NAME, so a test can kill a child `vlp run` inside a save or an append
/// instead of at a random moment it cannot aim. The points (docs/reliability.md):
///
/// - `file.write`: after each write(2) into the temporary file of an atomic replacement
///   (checkpoints, a log cut back at resume); the file is incomplete.
/// - `file.rename`: the temporary file complete and synced, before it replaces the target.
/// - `log.append`: half of an append to metrics.jsonl or eval.jsonl written.
/// - `step`: a training step done and its records buffered, before anything else.
public enum FaultPoint {
  struct Plan: Sendable {
    var name: String
    var count: Int
    var signal: Int32
  }

  static let plan: Plan? = parse(ProcessInfo.processInfo.environment["VLP_FAULT_POINT"])
  private static let arrivals = Atomic<Int>(0)

  static func parse(_ text: String?) -> Plan? {
    guard let parts = text?.split(separator: ":").map(String.init), parts.count >= 2,
      let count = Int(parts[1]), count > 0
    else { return nil }
    let signals = ["KILL": SIGKILL, "TERM": SIGTERM, "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT]
    guard let signal = parts.count > 2 ? signals[parts[2].uppercased()] : SIGKILL else {
      return nil
    }
    return Plan(name: parts[0], count: count, signal: signal)
  }

  public static func isArmed(_ name: String) -> Bool { plan?.name == name }

  /// Marks an arrival at `name`; the armed one's N-th arrival signals the process.
  @inline(__always)
  public static func reach(_ name: String) {
    guard let plan, plan.name == name else { return }
    if arrivals.add(1, ordering: .relaxed).newValue == plan.count { kill(getpid(), plan.signal) }
  }
}

/// The errno text of a failed write, and the way out where the cause has one, e.g.
/// "File too large (the file-size limit, `ulimit -f`, ...)".
public func writeFailureText(_ code: Int32 = errno) -> String {
  let text = systemErrorText(code)
  switch code {
  case EFBIG:
    return text + " (the file-size limit, `ulimit -f`, stops this file from growing: raise it, "
      + "e.g. `ulimit -f unlimited`, or free the session of old files, then run again)"
  case ENOSPC, EDQUOT:
    return text + " (free space on this disk or raise the quota, then run again)"
  case EMFILE, ENFILE:
    return text + " (too many open files: raise the limit, e.g. `ulimit -n 1024`, then run again)"
  case EROFS, EACCES, EPERM:
    return text + " (the folder is not writable: check its permissions or copy the session to "
      + "a writable place)"
  default:
    return text
  }
}
