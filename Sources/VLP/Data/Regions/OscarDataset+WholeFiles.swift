import Foundation

/// Whole-file reads of a feature or label TSV for `vlp data inspect` and `OscarDataset`, built
/// on the readers training uses (`RegionFeatureFile`, `OscarLabelFile`): the same row parsing,
/// checks, row-size limit and messages. The line index they need is kept in memory (an
/// existing `.lineidx` is used and checked), so inspecting a folder writes nothing into it.
extension OscarDataset {
  static let inMemoryIndex = LineIndexPlacement(besideData: false, cacheFolder: nil)

  struct FeatureRows {
    var file: RegionFeatureFile
    /// The first valid row of each image id.
    var rows: [String: RegionFeatureBlock]
    /// D: floats per box less the 6 box values the export layout stores (nil without boxes).
    var featureDimension: Int?
  }

  struct LabelRows {
    var file: OscarLabelFile
    /// The first valid row of each image id.
    var labels: [String: OscarLabel]
  }

  /// Every row of a feature TSV, each problem reported; nil when the file cannot be opened
  /// as a feature TSV (reported too).
  static func readFeatures(_ path: String, log: inout ProblemLog) throws -> FeatureRows? {
    guard
      let file = try opened({ try RegionFeatureFile(path: path, placement: inMemoryIndex) }, &log)
    else { return nil }
    var rows: [String: RegionFeatureBlock] = [:]
    file.forEachRow(log: &log) { row, block in
      if file.row(of: block.imageID) == row { rows[block.imageID] = block }
    }
    var featureDimension: Int?
    if let dimension = file.dimension, let line = file.dimensionLine {
      if dimension > 6 {
        featureDimension = dimension - 6
      } else {
        log.report(
          file: path, line: line, field: "features",
          "\(dimension) floats per box; this layout stores D features and 6 box values per box, "
            + "so more than 6")
      }
    }
    return FeatureRows(file: file, rows: rows, featureDimension: featureDimension)
  }

  /// Every row of a label TSV, each problem reported; nil when the file cannot be opened.
  static func readLabels(_ path: String, log: inout ProblemLog) throws -> LabelRows? {
    guard let file = try opened({ try OscarLabelFile(path: path, placement: inMemoryIndex) }, &log)
    else { return nil }
    var labels: [String: OscarLabel] = [:]
    file.forEachRow(log: &log) { row, label in
      if file.row(of: label.imageID) == row { labels[label.imageID] = label }
    }
    return LabelRows(file: file, labels: labels)
  }

  /// Opens a TSV; a file that cannot be read as one (a bad line index, no known row layout) is
  /// reported rather than thrown, so the rest of the folder is still checked.
  private static func opened<File>(
    _ open: () throws -> File, _ log: inout ProblemLog
  ) throws -> File? {
    do {
      return try open()
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
    } catch DataError.unrecognizedFormat(let path, let reason) {
      log.report(file: path, reason)
    }
    return nil
  }
}
