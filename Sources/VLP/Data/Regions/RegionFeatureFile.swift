import Foundation

/// The two ways real feature TSVs store a row (detected from the file's first rows).
public enum RegionFeatureEncoding: String, Sendable, Equatable {
  /// Oscar's pretraining and retrieval files: `image_id \t num_boxes \t base64(float32)`.
  case columns = "image_id, num_boxes, base64"
  /// VinVL's captioning files: `image_id \t {"num_boxes": N, "features": base64(float32)}`.
  case json = "image_id, {num_boxes, features}"
}

/// One image's regions: `values` is (boxCount, dimension), row-major, as the file stores it.
public struct RegionFeatureBlock: Sendable, Equatable {
  public var imageID: String
  public var boxCount: Int
  public var dimension: Int
  public var values: [Float]
}

/// A feature TSV read on demand: the line index and one key per row stay in memory, each read
/// `pread`s one row, decodes it and checks it. Safe to read from several threads at once.
public final class RegionFeatureFile: Sendable {
  public let table: IndexedTSVFile
  public let encoding: RegionFeatureEncoding
  /// Floats per box, taken from the file (the value most of its first rows agree on); nil when
  /// none of them has a box. VinVL's 2,054 = 2,048 pooled features + 6 box values.
  public let dimension: Int?
  /// The line the dimension was first seen on, for messages.
  public let dimensionLine: Int?
  /// Image id of each row, in file order.
  public let imageIDs: [String]
  private let rowOf: [String: Int]
  /// A repeated image id (the first row wins), found while indexing.
  public let problems: [DataProblem]

  public var path: String { table.path }
  public var rowCount: Int { table.rowCount }

  public init(path: String, placement: LineIndexPlacement = LineIndexPlacement()) throws {
    let table = try IndexedTSVFile(path: path, placement: placement)
    self.table = table
    imageIDs = try table.keys()
    var rowOf: [String: Int] = [:]
    var problems: [DataProblem] = []
    for (row, key) in imageIDs.enumerated() {
      if let first = rowOf[key] {
        problems.append(
          DataProblem(
            file: path, line: row + 1, field: "image_id",
            reason: "image id '\(key)' repeats line \(first + 1); the first row is used"))
      } else {
        rowOf[key] = row
      }
    }
    self.rowOf = rowOf
    self.problems = problems
    let sample = 0..<min(table.rowCount, 16)
    let shapes = sample.compactMap { try? table.columns($0).count }
    guard let width = shapes.first(where: { $0 == 2 || $0 == 3 }) ?? (shapes.isEmpty ? 3 : nil)
    else {
      throw DataError.unrecognizedFormat(
        path: path,
        reason:
          "rows have \(shapes[0]) tab-separated columns; a feature TSV has 3 (image_id, num_boxes, "
          + "base64) or 2 (image_id, {\"num_boxes\", \"features\"})")
    }
    encoding = width == 3 ? .columns : .json
    var votes: [Int: (count: Int, line: Int)] = [:]
    for row in sample {
      guard let parsed = try? RegionFeatureFile.parse(table, row, encoding),
        parsed.boxCount > 0, !parsed.values.isEmpty, parsed.values.count % parsed.boxCount == 0
      else { continue }  // boxes without floats vote for no dimension (D = 0 divided by zero)
      let found = parsed.values.count / parsed.boxCount
      votes[found] = ((votes[found]?.count ?? 0) + 1, votes[found]?.line ?? row + 1)
    }
    let winner = votes.max { ($0.value.count, -$0.value.line) < ($1.value.count, -$1.value.line) }
    dimension = winner?.key
    dimensionLine = winner?.value.line
  }

  public func row(of imageID: String) -> Int? { rowOf[imageID] }

  public func read(imageID: String) throws -> RegionFeatureBlock {
    guard let row = rowOf[imageID] else {
      throw DataError.invalidData(
        problems: [
          DataProblem(file: path, reason: "no row for image id '\(imageID)' in this feature file")
        ], total: 1)
    }
    return try read(row: row)
  }

  /// Reads, decodes and checks one row: its box count against its bytes, its dimension against
  /// the file's, every value finite. A problem throws `DataError.invalidData` naming file,
  /// line and field.
  public func read(row: Int) throws -> RegionFeatureBlock {
    let parsed = try RegionFeatureFile.parse(table, row, encoding)
    let count = parsed.values.count
    let boxes = parsed.boxCount
    guard boxes > 0 else {
      guard count == 0 else {
        throw table.rowProblem(row, "num_boxes", "num_boxes is 0 but the row has \(count) floats")
      }
      return RegionFeatureBlock(
        imageID: parsed.imageID, boxCount: 0, dimension: dimension ?? 0, values: [])
    }
    guard let dimension, let dimensionLine else {
      throw table.rowProblem(row, "num_boxes", "no row among the first 16 has a box to set D")
    }
    // A crafted num_boxes (up to Int.max) must not overflow the product it is checked by.
    let (expected, overflow) = boxes.multipliedReportingOverflow(by: dimension)
    if overflow || count != expected {
      if overflow || count % dimension == 0 || count % boxes != 0 {
        let product = overflow ? "more than \(Int.max)" : "\(expected)"
        throw table.rowProblem(
          row, "num_boxes",
          "num_boxes is \(boxes), so \(boxes) x \(dimension) = \(product) floats are "
            + "expected (D = \(dimension), from line \(dimensionLine)); found \(count)")
      }
      throw table.rowProblem(
        row, "features",
        "\(boxes) boxes of \(count / boxes) floats, but the file's feature dimension is "
          + "\(dimension) (line \(dimensionLine)); every row must have the same dimension")
    }
    if let bad = parsed.values.firstIndex(where: { !$0.isFinite }) {
      throw table.rowProblem(
        row, "features",
        "box \(bad / dimension), value \(bad % dimension) is \(parsed.values[bad]); "
          + "features must be finite (re-extract this image or drop the row)")
    }
    return RegionFeatureBlock(
      imageID: parsed.imageID, boxCount: boxes, dimension: dimension, values: parsed.values)
  }

  /// Reads every row once (each is freed before the next), reporting every problem. Returns
  /// the box count of each row that reads, for summaries.
  @discardableResult
  public func validate(log: inout ProblemLog) -> [Int] {
    var boxCounts: [Int] = []
    forEachRow(log: &log) { _, block in boxCounts.append(block.boxCount) }
    return boxCounts
  }

  /// Reads every row once in file order, reporting the problems found while opening and each
  /// row's own; `body` gets each row that reads (its 0-based row and block), then the block is
  /// freed unless `body` keeps it. The one loop behind `validate` and whole-file reads.
  public func forEachRow(
    log: inout ProblemLog, _ body: (_ row: Int, _ block: RegionFeatureBlock) -> Void
  ) {
    log.report(contentsOf: problems)
    for row in 0..<rowCount {
      do {
        body(row, try read(row: row))
      } catch DataError.invalidData(let problems, _) {
        log.report(contentsOf: problems)
      } catch {
        log.report(file: path, line: row + 1, "\(error)")
      }
    }
  }

  private struct ParsedRow {
    var imageID: String
    var boxCount: Int
    var values: [Float]
  }

  private static func parse(
    _ table: IndexedTSVFile, _ row: Int, _ encoding: RegionFeatureEncoding
  ) throws -> ParsedRow {
    let columns = try table.columns(row)
    let expected = encoding == .columns ? 3 : 2
    guard columns.count == expected else {
      throw table.rowProblem(
        row, nil,
        "expected \(expected) tab-separated columns (\(encoding.rawValue)), found \(columns.count)")
    }
    let imageID = String(decoding: columns[0], as: UTF8.self)
    let count: Int?
    // What the row wrote for num_boxes (cut short), to quote back; nil when it wrote none.
    let countText: String?
    let base64: ArraySlice<UInt8>
    switch encoding {
    case .columns:
      countText = String(decoding: columns[1].prefix(40), as: UTF8.self)
      count = Int(String(decoding: columns[1], as: UTF8.self))
      base64 = columns[2]
    case .json:
      let json = try JSONText.parse(Data(columns[1]), file: table.path, line: row + 1)
      guard let object = json as? [String: Any], let text = object["features"] as? String else {
        throw table.rowProblem(
          row, nil, "second column must be a JSON object with \"num_boxes\" and \"features\"")
      }
      count = JSONText.integer(object["num_boxes"])
      countText = object["num_boxes"].map { String("\($0)".prefix(40)) }
      base64 = ArraySlice(text.utf8)
    }
    guard let count, count >= 0 else {
      throw table.rowProblem(
        row, "num_boxes",
        countText.map { "'\($0)' is not a count of boxes" } ?? "missing: expected a count of boxes")
    }
    do {
      return ParsedRow(imageID: imageID, boxCount: count, values: try Base64Floats.decode(base64))
    } catch .invalidCharacter(let position) {
      throw table.rowProblem(
        row, "features", "not valid base64 (character \(position + 1) of the column)")
    } catch .badLength(let length) {
      throw table.rowProblem(
        row, "features", "not valid base64 (\(length) characters, not a multiple of 4)")
    } catch .partialFloat(let byteCount) {
      throw table.rowProblem(
        row, "features", "decodes to \(byteCount) bytes, not a whole number of float32 values")
    }
  }
}
