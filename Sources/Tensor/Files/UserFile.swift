#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a file the user handed in could not be read; each case names the file and the real cause.
public enum UserFileError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Nothing at the path (ENOENT), which some readers take as "empty".
  case missing(path: String)
  /// `open` or `read` failed: the system's words for it ("Permission denied", "Too many open
  /// files"), never a guess.
  case system(path: String, operation: String, reason: String)
  /// A folder, a device or a socket where a file was expected.
  case notAFile(path: String, kind: String)
  /// Larger than the reader's stated limit (a stream: more than the limit arrived).
  case tooLarge(path: String, size: Int?, limit: Int)

  public var path: String {
    switch self {
    case .missing(let path), .system(let path, _, _), .notAFile(let path, _),
      .tooLarge(let path, _, _):
      path
    }
  }

  /// What is wrong, without the path (for readers whose errors carry the path themselves).
  public var reason: String {
    switch self {
    case .missing: "no such file"
    case .system(_, let operation, let reason): "cannot \(operation): \(reason)"
    case .notAFile(_, let kind): "is \(kind), not a file; give the path of a file"
    case .tooLarge(_, let size, let limit):
      (size.map { "is \(UserFile.byteText($0))" } ?? "holds more than \(UserFile.byteText(limit))")
        + ", more than this reader's limit of \(UserFile.byteText(limit))"
    }
  }

  public var description: String { "\(path): \(reason)" }
}

/// Reading a file the user handed in (a matrix, a log, a config, a text file) without trusting it:
/// the size is checked against a stated limit before anything is allocated; a folder, a device
/// (`/dev/zero` would never end) or a socket is refused by name; a pipe (`<(command)`, a FIFO) is
/// read as a stream capped at the limit, and opening a FIFO nobody writes to does not hang.
/// It lives in Tensor because every module that reads user files (TSNE, NN, VLP, Engine) sits on
/// it.
public enum UserFile {
  /// What kind of file system object a path is, in words for messages; nil for a regular file
  /// or a pipe (both readable as data).
  static func unreadableKind(_ mode: mode_t) -> String? {
    switch mode & S_IFMT {
    case S_IFREG, S_IFIFO: nil
    case S_IFDIR: "a folder"
    case S_IFCHR, S_IFBLK: "a device"
    case S_IFSOCK: "a socket"
    default: "not a regular file"
    }
  }

  /// The whole file, at most `limit` bytes.
  public static func read(_ path: String, limit: Int) throws(UserFileError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else {
      if errno == ENOENT { throw .missing(path: path) }
      throw .system(path: path, operation: "open it", reason: errorText())
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw .system(path: path, operation: "read its size", reason: errorText())
    }
    if let kind = unreadableKind(status.st_mode) { throw .notAFile(path: path, kind: kind) }
    let isStream = (status.st_mode & S_IFMT) == S_IFIFO
    if isStream {
      // Blocking reads from here on: a pipe whose writer has gone reads as end of file.
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }
    let size = Int(status.st_size)
    if !isStream, size > limit { throw .tooLarge(path: path, size: size, limit: limit) }
    var bytes = [UInt8](repeating: 0, count: isStream ? min(limit, 1 << 16) + 1 : size)
    var filled = 0
    while true {
      if filled == bytes.count {
        // A regular file that grew while being read, or a stream: read on up to the limit.
        guard bytes.count <= limit else { break }
        bytes += [UInt8](repeating: 0, count: min(max(bytes.count, 1 << 16), limit + 1 - bytes.count))
      }
      let result = bytes.withUnsafeMutableBytes { buffer in
        readSome(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
      }
      if result < 0 {
        if errno == EINTR { continue }
        throw .system(path: path, operation: "read it", reason: errorText())
      }
      if result == 0 { break }
      filled += result
    }
    guard filled <= limit else { throw .tooLarge(path: path, size: isStream ? nil : filled, limit: limit) }
    bytes.removeLast(bytes.count - filled)
    return bytes
  }

  /// The product of `dimensions` (each at least 0), or nil when it overflows an `Int`: a header
  /// claiming a huge shape must be an error, never a trap.
  public static func elementCount(_ dimensions: [Int]) -> Int? {
    var count = 1
    for dimension in dimensions {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      if overflow { return nil }
      count = product
    }
    return count
  }

  /// `count * width` bytes, or nil on overflow.
  public static func byteCount(_ count: Int, width: Int) -> Int? {
    let (product, overflow) = count.multipliedReportingOverflow(by: width)
    return overflow ? nil : product
  }

  /// `1536 bytes`, `12.0 MiB`, `2.0 GiB`.
  public static func byteText(_ bytes: Int) -> String {
    let units = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, unit) in units where bytes >= size {
      let tenths = (bytes / (size / 10))
      return "\(tenths / 10).\(tenths % 10) \(unit)"
    }
    return "\(bytes) bytes"
  }

  /// The system's words for the last failed call, e.g. "Too many open files".
  public static func errorText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
  }
}

/// `read(2)`, named apart from `UserFile.read`.
private func readSome(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  read(descriptor, buffer, count)
}
