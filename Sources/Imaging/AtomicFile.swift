import Foundation

/// Writes a file as the project writes every file a reader may be looking at: to a temporary
/// name in the same folder, synced, then renamed over the target, so a reader sees the old file
/// or the whole new one, never a part.
enum AtomicFile {
  static func write(_ bytes: [UInt8], to path: String) throws(ImageError) {
    try write(to: path, size: bytes.count) { descriptor throws(ImageError) in
      try bytes.withUnsafeBytes { buffer in
        Result { () throws(ImageError) in try writeAll(descriptor, buffer, path: path) }
      }.get()
    }
  }

  /// Creates the temporary file, `size` bytes long (zeros), lets `fill` write into it (by
  /// `write` or a shared mapping of the descriptor), then syncs and renames it to `path`.
  static func write(
    to path: String, size: Int, fill: (Int32) throws(ImageError) -> Void
  ) throws(ImageError) {
    let temporary = path + ".tmp-\(getpid())"
    let descriptor = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw failure(path, errno) }
    var closed = false
    defer {
      if !closed {
        close(descriptor)
        unlink(temporary)
      }
    }
    guard ftruncate(descriptor, off_t(size)) == 0 else { throw failure(path, errno) }
    try fill(descriptor)
    guard fsync(descriptor) == 0 else { throw failure(path, errno) }
    closed = true
    guard close(descriptor) == 0 else {
      let code = errno
      unlink(temporary)
      throw failure(path, code)
    }
    guard rename(temporary, path) == 0 else {
      let code = errno
      unlink(temporary)
      throw failure(path, code)
    }
  }

  static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, path: String)
    throws(ImageError)
  {
    var written = 0
    while written < buffer.count {
      let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
      if count < 0 {
        if errno == EINTR { continue }
        throw failure(path, errno)
      }
      written += count
    }
  }

  static func failure(_ path: String, _ code: Int32) -> ImageError {
    .cannotWrite(path: path, reason: String(cString: strerror(code)))
  }
}
