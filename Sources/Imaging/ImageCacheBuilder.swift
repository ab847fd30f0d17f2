import Foundation
import Synchronization

/// Writes an image cache: a temporary file is created at its full length, mapped, filled by
/// the decoding threads (each image into its own slot, so the bytes depend neither on the
/// number of threads nor on their timing), given its header and failure list, synced and
/// renamed over `path`.
enum ImageCacheBuilder {
  static func build(
    path: String, files: [String], size: Int, fit: ImageFit, key: UInt64, skipInvalid: Bool,
    threads: Int, progress: (@Sendable (Int, Int) -> Void)?
  ) throws(ImageError) {
    var layout = ImageCacheLayout(
      side: size, fit: fit, count: files.count, key: key, failureBytes: 0)
    let (pixels, overflow) = files.count.multipliedReportingOverflow(by: layout.imageBytes)
    guard !overflow, files.count <= ImageCacheLayout.maximumCount,
      pixels <= Int.max - layout.pixelOffset
    else {
      throw .cannotWrite(
        path: path, reason: "\(files.count) images of \(size)x\(size) pixels are too many")
    }
    let body = layout.failureOffset
    try AtomicFile.write(to: path, size: body) { descriptor throws(ImageError) in
      let failed = try decode(
        files, size: size, fit: fit, into: descriptor, bytes: body, at: layout.pixelOffset,
        threads: threads, progress: progress, path: path)
      if !skipInvalid, let first = failed.keys.min(), let error = failed[first] { throw error }
      let failureText = Array(failed.keys.sorted().map { "\($0)\t\(failed[$0]!)\n" }.joined().utf8)
      layout.failureBytes = failureText.count
      var status = [UInt8](repeating: 0, count: layout.statusBytes)
      for index in 0..<files.count where failed[index] == nil { status[index] = 1 }
      try write(layout.header() + status, to: descriptor, at: 0, path: path)
      try write(failureText, to: descriptor, at: body, path: path)
    }
  }

  /// Decodes every file into its slot of a shared read-write mapping of the file; returns the
  /// failures by index.
  private static func decode(
    _ files: [String], size: Int, fit: ImageFit, into descriptor: Int32, bytes: Int,
    at pixelOffset: Int, threads: Int, progress: (@Sendable (Int, Int) -> Void)?, path: String
  ) throws(ImageError) -> [Int: ImageError] {
    guard !files.isEmpty else { return [:] }
    guard let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0),
      base != UnsafeMutableRawPointer(bitPattern: -1)
    else { throw AtomicFile.failure(path, errno) }
    defer { munmap(base, bytes) }
    let slots = SendablePointer(base + pixelOffset)
    let failures = Mutex<[Int: ImageError]>([:])
    let done = Mutex(0)
    let workers = max(1, min(threads, files.count))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for index in stride(from: worker, to: files.count, by: workers) {
        do throws(ImageError) {
          let samples = try ImageDecoding.square(file: files[index], size: size, fit: fit).bytes
          samples.withUnsafeBytes { source in
            (slots.pointer + index * samples.count).copyMemory(
              from: source.baseAddress!, byteCount: samples.count)
          }
        } catch {
          failures.withLock { $0[index] = error }
        }
        done.withLock { count in
          count += 1
          progress?(count, files.count)
        }
      }
    }
    return failures.withLock { $0 }
  }

  private static func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int, path: String)
    throws(ImageError)
  {
    guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
      throw AtomicFile.failure(path, errno)
    }
    try bytes.withUnsafeBytes { buffer in
      Result { () throws(ImageError) in try AtomicFile.writeAll(descriptor, buffer, path: path) }
    }.get()
  }
}

/// A pointer the decoding threads share: each writes only its own images' slots.
private struct SendablePointer: @unchecked Sendable {
  let pointer: UnsafeMutableRawPointer
  init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}
