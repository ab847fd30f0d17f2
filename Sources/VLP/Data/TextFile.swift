import Foundation
import Tensor

/// Line-oriented reading and atomic writing of the text formats (TSV, vocab.txt).
enum TextFile {
  struct Line {
    /// 1-based, for messages.
    var number: Int
    var text: String
  }

  /// The lines of a UTF-8 file without their terminators (`\n` or `\r\n`); no empty last line
  /// for a final newline. Split on bytes (a feature TSV is tens of megabytes); invalid UTF-8 is
  /// an error naming the file and line.
  static func lines(at path: String) throws -> [Line] {
    let data = try read(path)
    return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Line] in
      let bytes = raw.bindMemory(to: UInt8.self)
      var lines: [Line] = []
      var start = 0
      while start < bytes.count {
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        var stop = end
        if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
        guard
          let text = String(
            validating: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
        else {
          throw DataError.invalidData(
            problems: [
              DataProblem(file: path, line: lines.count + 1, reason: "not valid UTF-8 text")
            ], total: 1)
        }
        lines.append(Line(number: lines.count + 1, text: text))
        start = end + 1
      }
      return lines
    }
  }

  /// The largest text file read (a feature TSV of a big corpus is gigabytes).
  static let maximumBytes = 4 << 30

  /// The file's bytes, at most `maximumBytes`; a folder or a device is refused by name, and a
  /// failure to read reports the system's reason.
  static func read(_ path: String) throws -> Data {
    do throws(UserFileError) {
      return Data(try UserFile.read(path, limit: maximumBytes))
    } catch .missing {
      throw DataError.missingFile(path: path, hint: "check the path")
    } catch {
      throw DataError.unrecognizedFormat(path: path, reason: error.reason)
    }
  }

  static func write(_ text: String, to path: String) throws {
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw DataError.cannotWrite(path: path, reason: error.localizedDescription)
    }
  }
}
