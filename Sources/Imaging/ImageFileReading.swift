import Foundation

/// Reads an image file whole, refusing what is not a regular file and what exceeds a limit
/// before allocating (a 100-megapixel JPEG is far below it).
enum ImageFileReading {
  static let maximumFileBytes = 1 << 30

  /// The file's identity for cache keys: its size in bytes and modification time (ns).
  struct Identity: Equatable {
    var size: Int
    var modificationNanoseconds: Int64
  }

  static func identity(of path: String) throws(ImageError) -> Identity {
    var status = stat()
    guard stat(path, &status) == 0 else { throw openError(path, errno) }
    guard status.st_mode & S_IFMT == S_IFREG else {
      throw .unreadable(path: path, reason: kindName(status.st_mode) + ", not an image file")
    }
    let time = status.st_mtim
    return Identity(
      size: Int(status.st_size),
      modificationNanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
  }

  static func read(_ path: String) throws(ImageError) -> [UInt8] {
    // Non-blocking: a FIFO without a writer would otherwise hold open() forever; fstat then
    // refuses it by name. Reads of a regular file are unaffected.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw openError(path, errno) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw .unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      throw .unreadable(path: path, reason: kindName(status.st_mode) + ", not an image file")
    }
    let size = Int(status.st_size)
    guard size <= maximumFileBytes else {
      throw .unreadable(
        path: path, reason: "\(size) bytes, more than the \(maximumFileBytes >> 20) MiB limit")
    }
    var bytes = [UInt8](repeating: 0, count: size)
    var filled = 0
    while filled < size {
      let count = bytes.withUnsafeMutableBytes { buffer in
        Glibc.read(descriptor, buffer.baseAddress! + filled, size - filled)
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadable(path: path, reason: String(cString: strerror(errno)))
      }
      if count == 0 { break }  // shrank while reading: decode what is there
      filled += count
    }
    return filled == size ? bytes : Array(bytes.prefix(filled))
  }

  private static func openError(_ path: String, _ code: Int32) -> ImageError {
    code == ENOENT || code == ENOTDIR
      ? .missing(path: path) : .unreadable(path: path, reason: String(cString: strerror(code)))
  }

  private static func kindName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: return "a folder"
    case S_IFIFO: return "a pipe"
    case S_IFCHR, S_IFBLK: return "a device"
    case S_IFSOCK: return "a socket"
    default: return "not a regular file"
    }
  }
}
