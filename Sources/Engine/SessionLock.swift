import Foundation
import NN

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Who holds a session's lock, as the lock file records it (one JSON object).
public struct SessionLockHolder: Sendable, Equatable, CustomStringConvertible {
  public var pid: Int32
  public var host: String
  public var command: String
  /// ISO 8601, UTC.
  public var started: String

  public var description: String { "pid \(pid) on \(host) (`\(command)`, since \(started))" }

  var json: String {
    JSONValue.object([
      ("pid", .integer(Int(pid))), ("host", .string(host)), ("command", .string(command)),
      ("started", .string(started)),
    ]).text(.compact) + "\n"
  }

  /// The holder a lock file names, or nil when it is empty or not ours.
  init?(json text: String) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
      let pid = object["pid"] as? Int
    else { return nil }
    self.pid = Int32(truncatingIfNeeded: pid)
    host = object["host"] as? String ?? "?"
    command = object["command"] as? String ?? "?"
    started = object["started"] as? String ?? "?"
  }

  init(pid: Int32, host: String, command: String, started: String) {
    self.pid = pid
    self.host = host
    self.command = command
    self.started = started
  }
}

/// Why a writer could not take a session.
public enum SessionLockError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Another process writes the session (`holder` nil: it has not written its name yet).
  case held(session: String, path: String, holder: SessionLockHolder?)
  case io(path: String, operation: String, detail: String)

  public var description: String {
    switch self {
    case .held(let session, let path, let holder):
      "session '\(session)' is being written by another process: "
        + (holder.map { "\($0)" } ?? "its name is not in \(path) yet")
        + ". One process writes a session at a time: wait for it to end, or stop it "
        + (holder.map { "(kill -TERM \($0.pid) saves a checkpoint first)" } ?? "")
        + "; `vlp tui \(session)` watches it meanwhile, and eval, export and tsne read it freely"
    case .io(let path, let operation, let detail): "\(path): cannot \(operation): \(detail)"
    }
  }
}

/// The one-writer rule of a session: an exclusive `flock` on `SESSION/.lock`, taken by every
/// command that writes to the session (training, from `vlp run` or the workbench) and held until
/// it ends. The kernel drops the lock when its holder dies, however it dies, so a killed run
/// leaves no lock to clean by hand: only the file, still naming it, which the next writer
/// reports in `staleNotice` and overwrites. Readers never take it.
///
/// The file holds the holder's JSON (pid, host, command line, start time), written after the
/// lock is taken, and is emptied on release; a non-empty file found unlocked is therefore a
/// holder that did not end cleanly.
public final class SessionLock: @unchecked Sendable {
  public static let fileName = ".lock"

  public let url: URL
  public let holder: SessionLockHolder
  /// Set when the file named a previous holder that ended without releasing (killed).
  public let staleNotice: String?
  /// Guarded by `mutex`: -1 once released.
  private var descriptor: Int32
  private let mutex = NSLock()

  public static func url(of folder: SessionFolder) -> URL {
    folder.url.appendingPathComponent(fileName)
  }

  /// Takes the lock or throws `.held` naming the holder; never waits.
  public init(folder: SessionFolder, command: String = SessionLock.commandLine) throws {
    url = Self.url(of: folder)
    let path = url.relativePath
    let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, mode_t(0o644))
    guard fd >= 0 else {
      throw SessionLockError.io(
        path: path, operation: "open the session's lock file",
        detail: writeFailureText())
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let code = errno
      close(fd)
      guard code == EWOULDBLOCK || code == EAGAIN else {
        throw SessionLockError.io(
          path: path, operation: "lock the session", detail: systemErrorText(code))
      }
      throw SessionLockError.held(session: folder.name, path: path, holder: Self.holder(at: url))
    }
    let previous = Self.contents(of: fd)
    staleNotice = previous.flatMap(SessionLockHolder.init(json:)).map {
      "note: \(path) still named \($0), which ended without releasing it (killed?); "
        + "its lock died with it, so this run takes the session"
    }
    holder = SessionLockHolder(
      pid: getpid(), host: Self.hostName, command: command,
      started: ISO8601DateFormatter().string(from: Date()))
    let bytes = Array(holder.json.utf8)
    guard ftruncate(fd, 0) == 0, pwrite(fd, bytes, bytes.count, 0) == bytes.count else {
      let detail = systemErrorText()
      close(fd)
      throw SessionLockError.io(
        path: path, operation: "write the session's lock file", detail: detail)
    }
    descriptor = fd
  }

  deinit { release() }

  /// Empties the file (a clean end) and drops the lock. Safe to call more than once.
  public func release() {
    mutex.withLock {
      guard descriptor >= 0 else { return }
      _ = ftruncate(descriptor, 0)
      close(descriptor)  // drops the flock
      descriptor = -1
    }
  }

  /// The holder the lock file names, for messages (a reader never locks to ask).
  public static func holder(at url: URL) -> SessionLockHolder? {
    // The holder writes its name just after locking: give it a moment.
    for attempt in 0..<5 {
      if let text = try? String(contentsOf: url, encoding: .utf8),
        let holder = SessionLockHolder(json: text)
      {
        return holder
      }
      if attempt < 4 { usleep(20_000) }
    }
    return nil
  }

  /// `vlp run default --steps 10`, as the holder was started.
  public static var commandLine: String {
    (["vlp"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
  }

  static var hostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "?" }
    return String(cString: buffer)
  }

  private static func contents(of fd: Int32) -> String? {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = pread(fd, &buffer, buffer.count, 0)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count], as: UTF8.self)
  }
}
