import Foundation

/// A regular file opened for positioned reads. `pread` takes the offset with each call and
/// leaves no seek position behind, so one open file serves any number of threads at once (a
/// batch prefetch thread beside the trainer) without a lock.
final class ReadOnlyFile: Sendable {
  let path: String
  let size: Int
  /// Modification time in nanoseconds since 1970: what tells a `.lineidx` that its TSV changed.
  let modified: Int
  private let descriptor: Int32

  init(path: String) throws {
    // Non-blocking: a FIFO without a writer would otherwise hold open() forever; fstat then
    // refuses it by kind. Reads (pread) of a regular file are unaffected.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else {
      let cause = String(cString: strerror(errno))
      if errno == ENOENT { throw DataError.missingFile(path: path, hint: "check the path") }
      throw DataError.unrecognizedFormat(path: path, reason: "cannot be opened (\(cause))")
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let cause = String(cString: strerror(errno))
      close(descriptor)
      throw DataError.unrecognizedFormat(path: path, reason: "cannot be read (\(cause))")
    }
    // A folder, pipe or device has no stable size or offsets to index: refused by name.
    guard status.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      let kind = status.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file"
      throw DataError.unrecognizedFormat(path: path, reason: "is \(kind); expected a TSV file")
    }
    self.path = path
    self.descriptor = descriptor
    size = Int(status.st_size)
    modified = ReadOnlyFile.nanoseconds(status.st_mtim)
  }

  deinit { close(descriptor) }

  static func nanoseconds(_ time: timespec) -> Int {
    Int(time.tv_sec) &* 1_000_000_000 &+ Int(time.tv_nsec)
  }

  /// The modification time of `path` (nanoseconds), or nil when it does not exist.
  static func modificationTime(of path: String) -> Int? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return nanoseconds(status.st_mtim)
  }

  /// Reads up to `count` bytes at `offset` into `buffer` (which it resizes); fewer only at the
  /// end of the file.
  func read(_ count: Int, at offset: Int, into buffer: inout [UInt8]) throws {
    let wanted = max(0, min(count, size - offset))
    buffer = [UInt8](unsafeUninitializedCapacity: wanted) { bytes, initialized in
      initialized = 0
      while initialized < wanted {
        let got = pread(
          descriptor, bytes.baseAddress! + initialized, wanted - initialized,
          off_t(offset + initialized))
        if got > 0 {
          initialized += got
        } else if got == 0 || errno != EINTR {
          break
        }
      }
    }
    guard buffer.count == wanted else {
      throw DataError.unrecognizedFormat(
        path: path,
        reason:
          "cannot read \(wanted) bytes at byte \(offset) (\(String(cString: strerror(errno)))); "
          + "was the file truncated while open?")
    }
  }

  func read(_ count: Int, at offset: Int) throws -> [UInt8] {
    var buffer: [UInt8] = []
    try read(count, at: offset, into: &buffer)
    return buffer
  }
}
