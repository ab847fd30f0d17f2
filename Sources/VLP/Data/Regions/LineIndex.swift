import Foundation

/// The byte offset at which each row of a TSV starts: Oscar's `.lineidx` (its `TSVFile`), one
/// decimal offset per line, named after the TSV without its extension
/// (`train.feature.tsv` -> `train.feature.lineidx`). Row `r` is line `r + 1` of the TSV.
public struct LineIndex: Sendable, Equatable {
  public var offsets: [Int]
  public var fileSize: Int

  public var rowCount: Int { offsets.count }

  /// The bytes of a row, its line terminator included.
  public func byteRange(ofRow row: Int) -> Range<Int> {
    offsets[row]..<(row + 1 < offsets.count ? offsets[row + 1] : fileSize)
  }

  /// Where Oscar looks for the index of `tsv`: beside it, extension replaced.
  public static func besidePath(for tsv: String) -> String {
    (tsv as NSString).deletingPathExtension + ".lineidx"
  }

  static let chunkSize = 1 << 20

  /// Reads the file once in 1 MiB chunks and records every line start (as Oscar's
  /// `generate_lineidx_file` does: a final newline starts no row). Memory: the chunk and one
  /// offset per row, never the file.
  static func scan(_ file: ReadOnlyFile) throws -> LineIndex {
    var offsets: [Int] = []
    var buffer: [UInt8] = []
    var position = 0
    var atLineStart = true
    while position < file.size {
      try file.read(chunkSize, at: position, into: &buffer)
      buffer.withUnsafeBufferPointer { bytes in
        var index = 0
        while index < bytes.count {
          if atLineStart {
            offsets.append(position + index)
            atLineStart = false
          }
          let rest = bytes.count - index
          guard let found = memchr(bytes.baseAddress! + index, 0x0A, rest) else { break }
          index = (bytes.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))) + 1
          atLineStart = true
        }
      }
      position += buffer.count
    }
    return LineIndex(offsets: offsets, fileSize: file.size)
  }

  /// Parses a `.lineidx` and checks it against its TSV: each offset a decimal number, the first
  /// 0, increasing, inside the file and at a line start, and nothing after the last row but
  /// its own line. Every problem names the index file and line and says how to recover.
  static func load(_ indexPath: String, for file: ReadOnlyFile) throws -> LineIndex {
    let text = try TextFile.lines(at: indexPath)
    let name = (file.path as NSString).lastPathComponent
    let remedy = "delete \(indexPath) and the reader rebuilds it"
    func problem(_ line: Int?, _ reason: String) -> DataError {
      DataError.invalidData(
        problems: [DataProblem(file: indexPath, line: line, reason: reason + "; " + remedy)],
        total: 1)
    }
    var offsets: [Int] = []
    offsets.reserveCapacity(text.count)
    var byte: [UInt8] = []
    for line in text {
      let field = line.text.trimmingCharacters(in: .whitespaces)
      if field.isEmpty && line.number == text.count { break }
      guard let offset = Int(field), offset >= 0 else {
        throw problem(line.number, "'\(field)' is not a byte offset")
      }
      guard offset < file.size else {
        throw problem(
          line.number, "offset \(offset) points past the end of \(name) (\(file.size) bytes)")
      }
      if let previous = offsets.last, offset <= previous {
        throw problem(
          line.number, "offset \(offset) does not follow the previous one (\(previous))")
      }
      if offsets.isEmpty, offset != 0 {
        throw problem(line.number, "the first row must start at offset 0, not \(offset)")
      }
      if offset > 0 {
        try file.read(1, at: offset - 1, into: &byte)
        guard byte.first == 0x0A else {
          throw problem(line.number, "offset \(offset) is not at the start of a line of \(name)")
        }
      }
      offsets.append(offset)
    }
    // The last row must run to the end of the file: more lines mean the TSV grew since.
    let tail = offsets.last ?? 0
    if let newline = try firstNewline(in: file, from: tail), newline + 1 < file.size {
      throw problem(
        nil,
        "lists \(offsets.count) rows, but \(name) has more lines after byte \(newline + 1) "
          + "(was it changed after the index was written?)")
    }
    return LineIndex(offsets: offsets, fileSize: file.size)
  }

  private static func firstNewline(in file: ReadOnlyFile, from start: Int) throws -> Int? {
    var buffer: [UInt8] = []
    var position = start
    while position < file.size {
      try file.read(chunkSize, at: position, into: &buffer)
      if let found = buffer.firstIndex(of: 0x0A) { return position + found }
      position += buffer.count
    }
    return nil
  }

  /// Writes Oscar's format atomically: a temporary file in the same folder, flushed to disk,
  /// renamed over `path`; a reader never sees half an index.
  func write(to path: String) throws {
    var text = ""
    text.reserveCapacity(offsets.count * 10)
    for offset in offsets {
      text += String(offset)
      text += "\n"
    }
    let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw DataError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    var failure: String?
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes {
        Foundation.write(descriptor, $0.baseAddress! + written, bytes.count - written)
      }
      if count < 0 {
        if errno == EINTR { continue }
        failure = String(cString: strerror(errno))
        break
      }
      written += count
    }
    if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    close(descriptor)
    if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw DataError.cannotWrite(path: path, reason: failure)
    }
  }
}
