import Foundation

/// A log file being followed: its kind's parser and how far it has been read. Each poll reads
/// only the bytes appended since (from where the parser stopped: a record or line still being
/// written is read again once complete).
struct FollowedFile {
  enum Parser {
    case events(EventFileParser)
    case jsonLines(JSONLinesParser)
    case csv(CSVCurveParser)

    var run: String {
      switch self {
      case .events(let parser): parser.run
      case .jsonLines(let parser): parser.run
      case .csv(let parser): parser.run
      }
    }

    /// A governed log's refusal (`JSONLinesParser.refusal`).
    var refusal: String? {
      if case .jsonLines(let parser) = self { parser.refusal } else { nil }
    }

    mutating func consume(
      _ bytes: UnsafeRawBufferPointer, base: Int, isFinal: Bool, into store: inout CurveStore
    ) -> (consumed: Int, problems: [RecordProblem]) {
      switch self {
      case .events(var parser):
        defer { self = .events(parser) }
        return parser.consume(bytes, base: base, isFinal: isFinal, into: &store)
      case .jsonLines(var parser):
        defer { self = .jsonLines(parser) }
        return parser.consume(bytes, base: base, isFinal: isFinal, into: &store)
      case .csv(var parser):
        defer { self = .csv(parser) }
        return parser.consume(bytes, base: base, isFinal: isFinal, into: &store)
      }
    }
  }

  let url: URL
  /// The path as messages show it.
  let shownPath: String
  let makeParser: @Sendable () -> Parser
  var parser: Parser
  var offset = 0
  var size = 0
  var inode: UInt64 = 0

  init(url: URL, shownPath: String, makeParser: @escaping @Sendable () -> Parser) {
    self.url = url
    self.shownPath = shownPath
    self.makeParser = makeParser
    parser = makeParser()
  }

  /// At most this much is read per poll, so one huge file cannot stall the others for long.
  static let readLimit = 256 << 20

  enum Change { case none, grew, replaced }

  /// Compares the file with what was read: grown, replaced (shorter than what was read), or
  /// unchanged.
  mutating func check() throws -> Change {
    var info = stat()
    guard stat(url.path, &info) == 0 else {
      throw RunLogError.io(path: shownPath, detail: String(cString: strerror(errno)))
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw RunLogError.unsupported(path: shownPath, detail: "not a regular file")
    }
    let newSize = Int(info.st_size)
    let newInode = UInt64(info.st_ino)
    defer {
      size = newSize
      inode = newInode
    }
    // A sync tool that replaces the file (a new inode) with a longer copy of an append-only log
    // is read on from where it stopped; a shorter file is read again from its start.
    if newSize < offset { return .replaced }
    return (newSize != size || newInode != inode) && newSize > offset ? .grew : .none
  }

  /// Reads the bytes from `offset` and hands them to the parser.
  mutating func read(into store: inout CurveStore, isFinal: Bool) throws -> [RecordProblem] {
    let descriptor = open(url.path, O_RDONLY)
    guard descriptor >= 0 else {
      throw RunLogError.io(path: shownPath, detail: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    let wanted = min(size - offset, Self.readLimit)
    guard wanted > 0 else { return [] }
    var buffer = [UInt8](repeating: 0, count: wanted)
    var got = 0
    while got < wanted {
      let count = buffer.withUnsafeMutableBytes {
        pread(descriptor, $0.baseAddress! + got, wanted - got, off_t(offset + got))
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw RunLogError.io(path: shownPath, detail: String(cString: strerror(errno)))
      }
      if count == 0 { break }
      got += count
    }
    let final = isFinal && offset + got >= size
    let result = buffer.withUnsafeBytes {
      parser.consume(UnsafeRawBufferPointer(rebasing: $0[..<got]), base: offset, isFinal: final, into: &store)
    }
    offset += result.consumed
    return result.problems
  }
}
