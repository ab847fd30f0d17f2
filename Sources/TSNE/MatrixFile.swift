import Foundation
import Tensor

/// Points and labels for `vlp tsne`: a matrix from `.npy` or CSV, labels from `.npy` or text.
public enum MatrixFile {
  /// A (rows, columns, row-major values) matrix from a `.npy` file or from CSV text (commas,
  /// semicolons, tabs or spaces between numbers; a first row that is not numeric is a header).
  public static func read(path: String) throws -> (rows: Int, columns: Int, values: [Float]) {
    if path.lowercased().hasSuffix(".npy") { return try NumpyFile.readMatrix(path: path) }
    guard let text = String(validating: try contents(of: path), as: UTF8.self) else {
      throw TSNEError.unreadableFile(
        path: path, reason: "not UTF-8 text (a .npy file needs the .npy extension)")
    }
    var values: [Float] = []
    var columns = 0
    var rows = 0
    for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated()
    {
      let fields = split(line)
      if fields.isEmpty { continue }
      let numbers = fields.map { Float($0) }
      if numbers.contains(nil) {
        if rows == 0, values.isEmpty, columns == 0 {
          columns = fields.count  // a header row fixes the width
          continue
        }
        let bad = fields[numbers.firstIndex(of: nil)!]
        throw TSNEError.unreadableFile(
          path: "\(path):\(index + 1)", reason: "'\(bad)' is not a number")
      }
      if columns == 0 { columns = fields.count }
      guard fields.count == columns else {
        throw TSNEError.unreadableFile(
          path: "\(path):\(index + 1)", reason: "\(fields.count) values, expected \(columns)")
      }
      values += numbers.map { $0! }
      rows += 1
    }
    guard rows > 0 else { throw TSNEError.unreadableFile(path: path, reason: "no data rows") }
    return (rows, columns, values)
  }

  /// One label per point: a 1-D `.npy` (numbers), or text with one label per line (whole lines,
  /// or the last field of each line of a `.csv`; blank lines are skipped; a first line `label`
  /// is a header).
  public static func readLabels(path: String) throws -> [String] {
    if path.lowercased().hasSuffix(".npy") {
      let array = try NumpyFile.read(path: path)
      guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
        throw TSNEError.unreadableFile(
          path: path, reason: "labels must be a 1-D array, got shape \(array.shape)")
      }
      return array.values.map { $0 == $0.rounded() && abs($0) < 1e7 ? String(Int($0)) : String($0) }
    }
    guard let text = String(validating: try contents(of: path), as: UTF8.self) else {
      throw TSNEError.unreadableFile(path: path, reason: "not UTF-8 text")
    }
    let csv = path.lowercased().hasSuffix(".csv")
    var labels = text.split(whereSeparator: \.isNewline).map { line in
      let field = csv ? (line.split(separator: ",").last ?? "") : line
      return field.trimmingCharacters(in: .whitespaces)
        .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    }.filter { !$0.isEmpty }
    if labels.first?.lowercased() == "label" { labels.removeFirst() }
    return labels
  }

  /// The largest matrix or label file read (a pipe such as `<(command)` is read up to it): 2 GiB
  /// of text or .npy data, about 500 million float32 values.
  public static let maximumFileBytes = 2 << 30

  /// The bytes of a file or of a pipe, at most `maximumFileBytes`; a folder or a device
  /// (`/dev/zero`) is refused by name.
  static func contents(of path: String) throws -> [UInt8] {
    do throws(UserFileError) {
      return try UserFile.read(path, limit: maximumFileBytes)
    } catch {
      throw TSNEError.unreadableFile(path: path, reason: error.reason)
    }
  }

  private static func split(_ line: Substring) -> [String] {
    line.split { $0 == "," || $0 == ";" || $0 == "\t" || $0 == " " }.map(String.init)
  }
}
