import Foundation

/// Small TSVs read whole as text (captions, corpus, `*.hw.tsv`): their lines, split into
/// columns, each bad line reported with its number. Feature and label TSVs are read a row at a
/// time instead (`IndexedTSVFile`).
enum TextTSV {
  /// The file's lines; a file that is not UTF-8 is reported (with the line) and read as empty.
  static func lines(_ path: String, _ log: inout ProblemLog) throws -> [TextFile.Line] {
    do {
      return try TextFile.lines(at: path)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return []
    }
  }

  static func columns(_ line: TextFile.Line) -> [Substring] {
    line.text.split(separator: "\t", omittingEmptySubsequences: false)
  }

  /// Whether the line has one column per name; reports it otherwise.
  static func hasColumns(
    _ fields: [Substring], _ names: [String], _ path: String, _ line: TextFile.Line,
    _ log: inout ProblemLog
  ) -> Bool {
    guard fields.count != names.count else { return true }
    log.report(
      file: path, line: line.number,
      "expected \(names.count) tab-separated columns (\(names.joined(separator: ", "))), "
        + "found \(fields.count)")
    return false
  }
}
