import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How tests make an atomic write go wrong part-way.
enum AtomicFileFault {
  /// Throw after this many bytes, as a full disk would: the writer cleans up.
  case failAfter(bytes: Int)
  /// Stop dead after this many bytes, as `kill -9` would: no cleanup, no rename.
  case dieAfter(bytes: Int)
}

/// Thrown by a `.dieAfter` fault; tests check the files it leaves behind.
struct SimulatedDeath: Error {}

/// Where the content of an atomic write goes: the temporary file's descriptor.
struct AtomicFileSink {
  fileprivate let descriptor: Int32
  fileprivate let path: String
  fileprivate let fault: AtomicFileFault?
  fileprivate(set) var written = 0

  mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      var chunk = bytes.count - done
      switch fault {
      case .failAfter(let limit), .dieAfter(let limit):
        chunk = min(chunk, max(0, limit - written))
        if chunk == 0 {
          if case .dieAfter = fault { throw SimulatedDeath() }
          throw CheckpointError.io(
            path: path, operation: "write the checkpoint",
            detail: "simulated failure after \(written) bytes")
        }
      case nil: break
      }
      let result = Glibc.write(descriptor, bytes.baseAddress! + done, chunk)
      if result < 0 {
        if errno == EINTR { continue }
        throw CheckpointError.io(
          path: path, operation: "write the checkpoint", detail: writeFailureText())
      }
      done += result
      written += result
      FaultPoint.reach("file.write")
    }
  }
}

/// Replaces a file so that, whatever happens, it holds either its old content or the complete
/// new content: write a temporary file in the same directory (`.<name>.tmp-<pid>`, the same
/// file system, so `rename` is atomic), `fsync` it so its data is on disk before its name is,
/// `rename` it over the target, then `fsync` the directory so the rename itself survives a power
/// cut. On an error the temporary is removed and the old file is untouched; a killed process
/// leaves only a stale temporary, which the next save from the same process id replaces.
public enum AtomicFile {
  static func temporaryURL(for url: URL) -> URL {
    url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
  }

  /// Whether `name` is one of our temporaries: `.NAME.tmp-PID`, nothing else.
  public static func isTemporaryName(_ name: String) -> Bool {
    guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
      marker.lowerBound > name.index(after: name.startIndex)
    else { return false }
    let pid = name[marker.upperBound...]
    return !pid.isEmpty && pid.count <= 10 && pid.allSatisfy(\.isASCII) && pid.allSatisfy(\.isNumber)
  }

  /// Removes the temporaries a killed writer left in `folder` (only files of our naming);
  /// returns their names. Call only while no other process can be writing there (the session
  /// lock held).
  @discardableResult
  public static func removeStaleTemporaries(in folder: URL) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter(isTemporaryName).sorted().filter { name in
      let url = folder.appendingPathComponent(name)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { return false }
      return unlink(url.path) == 0
    }
  }

  static func write(
    to url: URL, fault: AtomicFileFault? = nil, _ body: (inout AtomicFileSink) throws -> Void
  ) throws {
    let path = url.relativePath
    let temporary = temporaryURL(for: url)
    unlink(temporary.path)  // a stale one from a killed process with our pid; ENOENT is fine
    let descriptor = open(
      temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, mode_t(0o644))
    guard descriptor >= 0 else {
      throw CheckpointError.io(
        path: path, operation: "create the temporary file \(temporary.relativePath)",
        detail: writeFailureText() + "; check that the folder exists and is writable")
    }
    var open = true
    do {
      var sink = AtomicFileSink(descriptor: descriptor, path: path, fault: fault)
      try body(&sink)
      guard fsync(descriptor) == 0 else {
        throw CheckpointError.io(
          path: path, operation: "fsync the checkpoint", detail: writeFailureText())
      }
      FaultPoint.reach("file.rename")
      open = false
      guard close(descriptor) == 0 else {
        throw CheckpointError.io(
          path: path, operation: "close the checkpoint", detail: systemErrorText())
      }
      guard rename(temporary.path, url.path) == 0 else {
        throw CheckpointError.io(
          path: path, operation: "replace the checkpoint (rename)", detail: systemErrorText())
      }
    } catch is SimulatedDeath {
      if open { close(descriptor) }  // the kernel closes a killed process's files too
      throw SimulatedDeath()
    } catch {
      if open { close(descriptor) }
      unlink(temporary.path)
      throw error
    }
    try syncDirectory(of: url, path: path)
  }

  /// Makes the rename durable. Some file systems cannot fsync a directory (EINVAL); the rename
  /// has happened by then, so only a real I/O error is reported.
  private static func syncDirectory(of url: URL, path: String) throws {
    let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directory >= 0 else { return }
    defer { close(directory) }
    if fsync(directory) != 0, errno != EINVAL {
      throw CheckpointError.io(
        path: path, operation: "fsync the checkpoint's folder", detail: systemErrorText())
    }
  }
}

/// Replaces `url`'s content with `data` atomically (temporary file, fsync, rename, fsync of the
/// folder): readers see the old file or the new one, never a mix. Used for logs that are
/// rewritten, such as a metrics log cut back to the step a run resumes from.
public func writeFileAtomically(_ data: Data, to url: URL) throws {
  try AtomicFile.write(to: url) { sink in
    try data.withUnsafeBytes { try sink.write($0) }
  }
}
