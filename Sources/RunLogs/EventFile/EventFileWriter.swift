import Foundation

/// Writes a TensorBoard event file, `FOLDER/events.out.tfevents.TIME.HOST.PID.N`, as
/// torch.utils.tensorboard does: a `file_version` event first, then scalar events. Events are
/// buffered and appended by `flush()`; each process writes a file of its own, so a reader
/// never sees two writers interleave.
public final class EventFileWriter {
  public let url: URL
  private let handle: FileHandle
  private var pending: [UInt8] = []
  nonisolated(unsafe) private static var counter = 0
  private static let counterLock = NSLock()

  /// Creates `folder` (and its parents) and a new event file in it.
  public init(folder: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw RunLogError.io(path: folder.relativePath, detail: "cannot create the folder: \(Self.reason(error))")
    }
    let number = Self.counterLock.withLock {
      Self.counter += 1
      return Self.counter
    }
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
    url = folder.appendingPathComponent(
      "events.out.tfevents.\(Int(wallTime)).\(host).\(getpid()).\(number)")
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw RunLogError.io(path: url.relativePath, detail: "cannot create the file")
    }
    do {
      handle = try FileHandle(forWritingTo: url)
    } catch {
      throw RunLogError.io(path: url.relativePath, detail: Self.reason(error))
    }
    append(EventEncoding.fileVersionEvent(wallTime: wallTime))
  }

  deinit { try? handle.close() }

  /// The restart marker: TensorBoard (and `vlp watch`) drop the points from `step` on that an
  /// earlier, interrupted run of the same folder wrote.
  public func sessionStart(step: Int, wallTime: Double = Date().timeIntervalSince1970) {
    append(EventEncoding.sessionStartEvent(step: step, wallTime: wallTime))
  }

  public func add(
    step: Int, wallTime: Double = Date().timeIntervalSince1970,
    scalars: [(tag: String, value: Float)]
  ) {
    guard !scalars.isEmpty else { return }
    append(EventEncoding.scalarsEvent(step: step, wallTime: wallTime, scalars: scalars))
  }

  private func append(_ event: [UInt8]) { pending += RecordFraming.frame(event) }

  public func flush() throws {
    guard !pending.isEmpty else { return }
    do {
      // At the file's end, wherever it is now: appends stay appends even if the file grew.
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(pending))
    } catch {
      throw RunLogError.io(path: url.relativePath, detail: "cannot append: \(Self.reason(error))")
    }
    pending.removeAll(keepingCapacity: true)
  }

  static func reason(_ error: Error) -> String {
    let nsError = error as NSError
    if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(posix.code)))
    }
    return nsError.localizedDescription
  }
}
