import Foundation

/// The classes of a label file, most frequent first (ties alphabetical): the targets of masked
/// region classification with hard labels, as the detector that wrote the file names them.
public struct LabelVocabulary: Sendable, Equatable {
  public let classes: [String]
  public let counts: [Int]
  private let indexOf: [String: Int]

  public init(counts byClass: [String: Int]) {
    let sorted = byClass.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
    classes = sorted.map(\.key)
    counts = sorted.map(\.value)
    indexOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
  }

  public var count: Int { classes.count }

  public func index(of className: String) -> Int? { indexOf[className] }
}

/// A label TSV (`predictions_gt.tsv`, `*.label.tsv`, ...) read on demand through its line
/// index, with image sizes from the row itself or from an `*.hw.tsv` beside it.
public final class OscarLabelFile: Sendable {
  public let table: IndexedTSVFile
  public let imageIDs: [String]
  private let rowOf: [String: Int]
  /// The hw file's sizes by image id (width, height); empty without one.
  public let imageSizes: [String: ImageSize]
  /// Repeated image ids and bad hw rows, found while opening.
  public let problems: [DataProblem]

  public struct ImageSize: Sendable, Equatable {
    public var width: Int
    public var height: Int
  }

  public var path: String { table.path }

  public init(
    path: String, imageSizes hwPath: String? = nil,
    placement: LineIndexPlacement = LineIndexPlacement()
  ) throws {
    table = try IndexedTSVFile(path: path, placement: placement)
    imageIDs = try table.keys()
    var rowOf: [String: Int] = [:]
    var log = ProblemLog(limit: 1000)
    for (row, key) in imageIDs.enumerated() {
      if let first = rowOf[key] {
        log.report(
          file: path, line: row + 1, field: "image_id",
          "image id '\(key)' repeats line \(first + 1); the first row is used")
      } else {
        rowOf[key] = row
      }
    }
    self.rowOf = rowOf
    imageSizes = try hwPath.map { try OscarLabelFile.readSizes($0, &log) } ?? [:]
    problems = log.problems
  }

  public func row(of imageID: String) -> Int? { rowOf[imageID] }

  /// The label of an image, or nil when the file has no row for it.
  public func label(of imageID: String) throws -> OscarLabel? {
    guard let row = rowOf[imageID] else { return nil }
    return try label(row: row)
  }

  /// One row parsed and checked (classes, confidences in 0...1, rects of 4 non-negative
  /// numbers); a problem throws `DataError.invalidData` with the file and line.
  public func label(row: Int) throws -> OscarLabel {
    let columns = try table.columns(row)
    guard columns.count == 2 else {
      throw table.rowProblem(
        row, nil, "expected 2 tab-separated columns (image_id, JSON), found \(columns.count)")
    }
    var log = ProblemLog()
    let imageID = String(decoding: columns[0], as: UTF8.self)
    guard
      var label = OscarLabelRow.parse(
        imageID: imageID, json: Data(columns[1]), path, row + 1, &log)
    else {
      try log.throwIfAny()
      throw table.rowProblem(row, nil, "unreadable label row")
    }
    if let size = imageSizes[imageID] {
      label.imageWidth = label.imageWidth ?? size.width
      label.imageHeight = label.imageHeight ?? size.height
    }
    return label
  }

  /// Every class of `objects` (or `gt_objects`) in the file, counted: one pass over the rows.
  public func vocabulary(groundTruth: Bool = false) throws -> LabelVocabulary {
    var counts: [String: Int] = [:]
    for row in 0..<table.rowCount {
      guard let label = try? label(row: row) else { continue }
      let objects = groundTruth ? (label.groundTruthObjects ?? label.objects) : label.objects
      for object in objects { counts[object.className, default: 0] += 1 }
    }
    return LabelVocabulary(counts: counts)
  }

  /// Reads every row once, reporting every problem.
  public func validate(log: inout ProblemLog) {
    forEachRow(log: &log) { _, _ in }
  }

  /// Reads every row once in file order, reporting the problems found while opening and each
  /// row's own; `body` gets each row that parses. The one loop behind `validate` and
  /// whole-file reads.
  public func forEachRow(
    log: inout ProblemLog, _ body: (_ row: Int, _ label: OscarLabel) -> Void
  ) {
    log.report(contentsOf: problems)
    for row in 0..<table.rowCount {
      do {
        body(row, try label(row: row))
      } catch DataError.invalidData(let problems, _) {
        log.report(contentsOf: problems)
      } catch {
        log.report(file: path, line: row + 1, "\(error)")
      }
    }
  }

  /// scene_graph_benchmark's `*.hw.tsv`: `image_key \t [{"height": H, "width": W}]` (or the
  /// object alone). Two numbers per image: read whole.
  static func readSizes(_ path: String, _ log: inout ProblemLog) throws -> [String: ImageSize] {
    var sizes: [String: ImageSize] = [:]
    for line in try TextTSV.lines(path, &log) {
      let fields = TextTSV.columns(line)
      guard TextTSV.hasColumns(fields, ["image_key", "JSON"], path, line, &log) else {
        continue
      }
      let json = try? JSONText.parse(Data(fields[1].utf8), file: path, line: line.number)
      let object = (json as? [Any])?.first ?? json
      guard let entry = object as? [String: Any], let height = JSONText.integer(entry["height"]),
        let width = JSONText.integer(entry["width"]), height > 0, width > 0
      else {
        log.report(
          file: path, line: line.number,
          "expected [{\"height\": H, \"width\": W}] with positive whole numbers")
        continue
      }
      sizes[String(fields[0])] = ImageSize(width: width, height: height)
    }
    return sizes
  }
}
