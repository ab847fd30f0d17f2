import Foundation

/// How a TSV's line index was obtained, for `vlp data inspect` and the training log.
public struct LineIndexStatus: Sendable, Equatable, CustomStringConvertible {
  public enum Action: String, Sendable, Equatable {
    /// An up-to-date `.lineidx` was found and checked.
    case read
    /// None existed: the TSV was scanned once and the index written.
    case written
    /// One existed but is older than its TSV: rebuilt and written again.
    case rebuiltStale
    /// None could be written anywhere: the index lives in memory for this run only.
    case memoryOnly
  }

  public var action: Action
  /// Where the index is (or was to be) stored.
  public var path: String?

  public var description: String {
    let name = path.map { ($0 as NSString).lastPathComponent } ?? ""
    switch action {
    case .read: return "\(name) (found)"
    case .written: return "\(name) (written, none found)"
    case .rebuiltStale: return "\(name) (rebuilt: older than its TSV)"
    case .memoryOnly: return "in memory (no writable place for a .lineidx)"
    }
  }
}

/// Where to keep line indexes: beside each TSV as Oscar does, and in `cacheFolder` when the
/// data folder is read-only (or always, with `besideData: false`).
public struct LineIndexPlacement: Sendable, Equatable {
  public var besideData: Bool
  public var cacheFolder: String?

  public init(besideData: Bool = true, cacheFolder: String? = LineIndexPlacement.defaultCache) {
    self.besideData = besideData
    self.cacheFolder = cacheFolder
  }

  /// `$XDG_CACHE_HOME/vlp/lineidx`, else `~/.cache/vlp/lineidx`.
  public static var defaultCache: String? {
    let environment = ProcessInfo.processInfo.environment
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/vlp/lineidx" }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return home + "/.cache/vlp/lineidx"
  }

  /// The cache file of `tsv`: its name plus a hash of its absolute path, so that two
  /// `features.tsv` of different folders never share an index.
  func cachePath(for tsv: String) -> String? {
    guard let cacheFolder else { return nil }
    let absolute = URL(fileURLWithPath: tsv).standardizedFileURL.path
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in absolute.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let stem = ((tsv as NSString).lastPathComponent as NSString).deletingPathExtension
    return (cacheFolder as NSString).appendingPathComponent(
      "\(stem)-\(String(hash, radix: 16)).lineidx")
  }
}

/// A TSV read one row at a time through its line index: rows are `pread` at their offsets, so
/// memory holds the offsets and one row per reader, never the file, and reads from several
/// threads need no lock.
public final class IndexedTSVFile: Sendable {
  /// A row larger than this is refused before its bytes are allocated (a VinVL row of 100
  /// boxes of 2,054 floats is 1.1 MB of base64).
  public static let maximumRowBytes = 256 << 20

  public let path: String
  public let index: LineIndex
  public let indexStatus: LineIndexStatus
  let file: ReadOnlyFile

  public var rowCount: Int { index.rowCount }

  public init(path: String, placement: LineIndexPlacement = LineIndexPlacement()) throws {
    let file = try ReadOnlyFile(path: path)
    self.path = path
    self.file = file
    (index, indexStatus) = try IndexedTSVFile.lineIndex(of: file, placement)
  }

  /// An up-to-date index where one is stored (beside the TSV, else in the cache); otherwise a
  /// fresh scan, written beside the TSV or, failing that, into the cache.
  private static func lineIndex(
    of file: ReadOnlyFile, _ placement: LineIndexPlacement
  ) throws -> (LineIndex, LineIndexStatus) {
    let beside = LineIndex.besidePath(for: file.path)
    let cached = placement.cachePath(for: file.path)
    var stale = false
    for candidate in [beside, cached].compactMap(\.self) {
      guard let modified = ReadOnlyFile.modificationTime(of: candidate) else { continue }
      if modified < file.modified {
        stale = true
        continue
      }
      return (
        try LineIndex.load(candidate, for: file), LineIndexStatus(action: .read, path: candidate)
      )
    }
    let index = try LineIndex.scan(file)
    var targets: [String] = []
    if placement.besideData { targets.append(beside) }
    if let cached {
      targets.append(cached)
    }
    for target in targets {
      if target == cached, let folder = placement.cacheFolder {
        try? FileManager.default.createDirectory(
          atPath: folder, withIntermediateDirectories: true)
      }
      if (try? index.write(to: target)) != nil {
        return (index, LineIndexStatus(action: stale ? .rebuiltStale : .written, path: target))
      }
    }
    return (index, LineIndexStatus(action: .memoryOnly, path: nil))
  }

  /// Line `row + 1`, for messages.
  public func lineNumber(ofRow row: Int) -> Int { row + 1 }

  /// The bytes of a row without its terminator (`\n` or `\r\n`).
  func rowBytes(_ row: Int) throws -> [UInt8] {
    guard row >= 0, row < rowCount else {
      throw DataError.invalidData(
        problems: [DataProblem(file: path, reason: "no row \(row): the file has \(rowCount) rows")],
        total: 1)
    }
    let range = index.byteRange(ofRow: row)
    guard range.count <= IndexedTSVFile.maximumRowBytes else {
      throw rowProblem(
        row, nil,
        "row of \(range.count) bytes is over the limit of \(IndexedTSVFile.maximumRowBytes)")
    }
    var bytes = try file.read(range.count, at: range.lowerBound)
    if bytes.last == 0x0A { bytes.removeLast() }
    if bytes.last == 0x0D { bytes.removeLast() }
    // A row with a newline inside means the index skipped a line: it does not fit this file.
    if bytes.contains(0x0A) {
      throw rowProblem(
        row, nil,
        "the line index puts several lines in row \(row); delete "
          + "\(indexStatus.path ?? "the .lineidx") and the reader rebuilds it")
    }
    return bytes
  }

  /// The row's tab-separated columns (as byte slices of one buffer).
  func columns(_ row: Int) throws -> [ArraySlice<UInt8>] {
    try rowBytes(row).split(separator: 0x09, omittingEmptySubsequences: false)
  }

  /// The first column of every row, read with a short `pread` at each offset.
  func keys() throws -> [String] {
    var keys: [String] = []
    keys.reserveCapacity(rowCount)
    var buffer: [UInt8] = []
    for row in 0..<rowCount {
      let range = index.byteRange(ofRow: row)
      var length = min(range.count, 256)
      while true {
        try file.read(length, at: range.lowerBound, into: &buffer)
        if let tab = buffer.firstIndex(of: 0x09) {
          keys.append(String(decoding: buffer[..<tab], as: UTF8.self))
          break
        }
        if length == range.count || length >= 1 << 16 {
          // No tab: the row is reported when it is read; its key is the whole (short) text.
          let end = buffer.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) ?? buffer.count
          keys.append(String(decoding: buffer[..<end], as: UTF8.self))
          break
        }
        length = min(range.count, length * 16)
      }
    }
    return keys
  }

  func rowProblem(_ row: Int, _ field: String?, _ reason: String) -> DataError {
    DataError.invalidData(
      problems: [
        DataProblem(file: path, line: lineNumber(ofRow: row), field: field, reason: reason)
      ],
      total: 1)
  }
}
