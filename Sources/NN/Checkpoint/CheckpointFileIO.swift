import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The system's words for the last failed call, e.g. "No such file or directory".
public func systemErrorText(_ code: Int32 = errno) -> String {
  String(cString: strerror(code))
}

/// Reads byte ranges of a checkpoint with `pread`, so that the reader allocates only what the
/// header's (already checked) offsets ask for, never "the rest of the file" on trust.
final class CheckpointFileReader {
  let path: String
  let size: Int
  private let descriptor: Int32

  init(url: URL) throws(CheckpointError) {
    path = url.relativePath
    // O_NONBLOCK: opening a FIFO by mistake must not hang; it is refused below as not a file.
    descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else {
      throw .io(path: path, operation: "open the checkpoint", detail: systemErrorText())
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let detail = systemErrorText()
      close(descriptor)
      throw .io(path: path, operation: "read the checkpoint's size", detail: detail)
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      close(descriptor)
      throw .malformed(
        path: path, detail: "is not a regular file; give the path of a .safetensors file")
    }
    size = Int(status.st_size)
  }

  deinit { close(descriptor) }

  /// Fills `buffer` from `offset`; a file that ends early (shrunk while we read) is an error.
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(CheckpointError) {
    var done = 0
    while done < buffer.count {
      let result = pread(
        descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if result < 0 {
        if errno == EINTR { continue }
        throw .io(path: path, operation: "read the checkpoint", detail: systemErrorText())
      }
      if result == 0 {
        throw .malformed(
          path: path,
          detail: "the file ended at byte \(offset + done) while reading; was it modified while "
            + "being read?")
      }
      done += result
    }
  }

  func readBytes(count: Int, at offset: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    try bytes.withUnsafeMutableBytes { buffer in
      try read(into: buffer, at: offset)
    }
    return bytes
  }

  /// `count` little-endian float32 values starting at `offset`, bit for bit.
  func readFloats(count: Int, at offset: Int) throws -> [Float] {
    var values = [Float](repeating: 0, count: count)
    try values.withUnsafeMutableBytes { buffer in
      guard buffer.count > 0 else { return }
      try read(into: buffer, at: offset)
    }
    #if _endian(big)
      values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
    #endif
    return values
  }
}

/// The system's words for a failed file operation that Foundation reports (its own message,
/// "The operation could not be completed", never reaches a user): the underlying errno's text.
public func systemErrorText(of error: Error) -> String {
  let nsError = error as NSError
  if nsError.domain == NSPOSIXErrorDomain { return systemErrorText(Int32(nsError.code)) }
  if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
    return systemErrorText(Int32(posix.code))
  }
  return "\(error)".contains("Domain=") ? "the system refused (\(nsError.code))" : "\(error)"
}
