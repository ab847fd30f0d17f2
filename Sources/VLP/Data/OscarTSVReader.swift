import Foundation

/// Line-by-line parsing of the three Oscar TSVs. Every bad line is reported with its number
/// and reason and then skipped, so that `inspect` can list all of them.
enum OscarTSVReader {
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

  static func readCorpus(_ path: String, log: inout ProblemLog) throws -> [OscarCorpusRow] {
    var rows: [OscarCorpusRow] = []
    for line in try lines(path, &log) {
      let fields = columns(line)
      guard hasColumns(fields, ["img_key", "label_key", "caption"], path, line, &log) else {
        continue
      }
      guard !fields[0].isEmpty, !fields[1].isEmpty else {
        log.report(file: path, line: line.number, "empty img_key or label_key")
        continue
      }
      guard !fields[2].trimmingCharacters(in: .whitespaces).isEmpty else {
        log.report(file: path, line: line.number, field: "caption", "empty caption")
        continue
      }
      rows.append(
        OscarCorpusRow(
          line: line.number, imageKey: String(fields[0]), labelKey: String(fields[1]),
          caption: String(fields[2])))
    }
    return rows
  }

  /// Returns the valid labels by image id, and the line of every image id (valid or not).
  static func readLabels(
    _ path: String, log: inout ProblemLog
  ) throws -> ([String: OscarLabel], [String: Int]) {
    var labels: [String: OscarLabel] = [:]
    var lineOf: [String: Int] = [:]
    var firstLine: [String: Int] = [:]
    for line in try lines(path, &log) {
      let fields = columns(line)
      if lineOf[String(fields[0])] == nil { lineOf[String(fields[0])] = line.number }
      guard hasColumns(fields, ["image_id", "JSON"], path, line, &log) else { continue }
      let imageID = String(fields[0])
      guard
        let label = parseLabel(
          imageID: imageID, json: Data(fields[1].utf8), path, line.number, &log)
      else { continue }
      if let first = firstLine[imageID] {
        log.report(file: path, line: line.number, "image id '\(imageID)' repeats line \(first)")
        continue
      }
      firstLine[imageID] = line.number
      labels[imageID] = label
    }
    return (labels, lineOf)
  }

  /// One label row's JSON, in either form real files use: Oscar/VinVL pretraining's object
  /// `{"image_h", "image_w", "objects": [...], "gt_objects": [...]}`, or the bare list of
  /// objects of VinVL's captioning files and scene_graph_benchmark (`[{"class", "rect"}]`).
  /// The one parser of label rows, for `inspect`, the whole-file reader and on-demand reads.
  static func parseLabel(
    imageID: String, json data: Data, _ path: String, _ line: Int, _ log: inout ProblemLog
  ) -> OscarLabel? {
    let json: Any
    do {
      json = try JSONText.parse(data, file: path, line: line)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return nil
    } catch {
      log.report(file: path, line: line, "\(error)")
      return nil
    }
    if let list = json as? [Any] {
      guard let objects = parseObjects(list, "objects", path, line, &log) else { return nil }
      return OscarLabel(
        imageID: imageID, imageWidth: nil, imageHeight: nil, objects: objects,
        groundTruthObjects: nil)
    }
    guard let object = json as? [String: Any] else {
      log.report(
        file: path, line: line,
        "second column must be a JSON object with 'objects' (or a list of objects)")
      return nil
    }
    guard let objects = parseObjects(object["objects"], "objects", path, line, &log) else {
      return nil
    }
    var groundTruth: [OscarObject]?
    if object["gt_objects"] != nil {
      guard let parsed = parseObjects(object["gt_objects"], "gt_objects", path, line, &log)
      else { return nil }
      groundTruth = parsed
    }
    return OscarLabel(
      imageID: imageID, imageWidth: JSONText.integer(object["image_w"]),
      imageHeight: JSONText.integer(object["image_h"]),
      objects: objects, groundTruthObjects: groundTruth)
  }

  private static func parseObjects(
    _ value: Any?, _ key: String, _ path: String, _ line: Int, _ log: inout ProblemLog
  ) -> [OscarObject]? {
    guard let array = value as? [Any] else {
      log.report(file: path, line: line, field: key, value == nil ? "missing" : "expected an array")
      return nil
    }
    var objects: [OscarObject] = []
    for (index, element) in array.enumerated() {
      let field = "\(key)[\(index)]"
      guard let entry = element as? [String: Any], let className = entry["class"] as? String,
        !className.isEmpty
      else {
        log.report(
          file: path, line: line, field: field, "expected an object with a non-empty 'class' string"
        )
        return nil
      }
      var confidence: Float?
      if let raw = entry["conf"] {
        guard let value = JSONText.float(raw), value.isFinite else {
          log.report(file: path, line: line, field: field + ".conf", "expected a finite number")
          return nil
        }
        guard (0...1).contains(value) else {
          log.report(
            file: path, line: line, field: field + ".conf",
            "\(value) is outside 0...1; a detector's confidence is a probability")
          return nil
        }
        confidence = value
      }
      var rect: [Float]?
      if let raw = entry["rect"] {
        let values = (raw as? [Any])?.compactMap(JSONText.float) ?? []
        guard values.count == 4, (raw as? [Any])?.count == 4, values.allSatisfy(\.isFinite) else {
          log.report(
            file: path, line: line, field: field + ".rect",
            "expected 4 finite numbers [x1, y1, x2, y2]")
          return nil
        }
        if let negative = values.first(where: { $0 < 0 }) {
          log.report(
            file: path, line: line, field: field + ".rect",
            "coordinate \(negative) is negative; rect is [x1, y1, x2, y2] in pixels inside the image"
          )
          return nil
        }
        rect = values
      }
      objects.append(OscarObject(className: className, confidence: confidence, rect: rect))
    }
    return objects
  }

  /// Returns the valid rows by image id, the 0-based file row of every image id (valid row or
  /// not, so that one bad row does not shift the index check) and the row width (D + 6), taken
  /// from the first row that has boxes; every other row must agree with it.
  static func readFeatures(
    _ path: String, log: inout ProblemLog
  ) throws -> ([String: OscarFeatureRow], [String: Int], Int?) {
    var rows: [String: OscarFeatureRow] = [:]
    var rowOf: [String: Int] = [:]
    var firstLine: [String: Int] = [:]
    var width: (value: Int, line: Int)?
    for line in try lines(path, &log) {
      let fields = columns(line)
      if rowOf[String(fields[0])] == nil { rowOf[String(fields[0])] = line.number - 1 }
      let names = ["image_id", "num_boxes", "base64 features"]
      guard hasColumns(fields, names, path, line, &log) else { continue }
      let imageID = String(fields[0])
      guard let boxCount = Int(fields[1]), boxCount >= 0 else {
        log.report(
          file: path, line: line.number, field: "num_boxes",
          "'\(fields[1])' is not a count of boxes")
        continue
      }
      let values: [Float]
      do {
        values = try FeatureCodec.decode(fields[2])
      } catch .notBase64 {
        log.report(file: path, line: line.number, field: "features", "not valid base64")
        continue
      } catch .partialFloat(let byteCount) {
        log.report(
          file: path, line: line.number, field: "features",
          "decodes to \(byteCount) bytes, not a whole number of float32 values")
        continue
      }
      if width == nil, boxCount > 0, values.count % boxCount == 0, values.count / boxCount > 6 {
        width = (values.count / boxCount, line.number)
      }
      // A crafted num_boxes (up to Int.max) must not overflow the product it is checked by.
      let expected = width.map { boxCount.multipliedReportingOverflow(by: $0.value) }
      let countMatches =
        expected.map { !$0.overflow && values.count == $0.partialValue }
        ?? (boxCount == 0 && values.isEmpty)
      guard countMatches else {
        let reason: String
        if let width, let expected {
          let product = expected.overflow ? "more than \(Int.max)" : "\(expected.partialValue)"
          reason =
            "num_boxes is \(boxCount), so \(boxCount) x \(width.value) = \(product) floats are expected"
            + " (D = \(width.value - 6) + 6 box values, from line \(width.line)); found \(values.count)"
        } else {
          reason =
            "\(values.count) floats do not split into \(boxCount) boxes of D + 6 values (D > 0)"
        }
        log.report(file: path, line: line.number, field: "num_boxes", reason)
        continue
      }
      if let bad = values.firstIndex(where: { !$0.isFinite }), let width {
        log.report(
          file: path, line: line.number, field: "features",
          "box \(bad / width.value), value \(bad % width.value) is \(values[bad]); features must be finite"
        )
        continue
      }
      if let first = firstLine[imageID] {
        log.report(file: path, line: line.number, "image id '\(imageID)' repeats line \(first)")
        continue
      }
      firstLine[imageID] = line.number
      rows[imageID] = OscarFeatureRow(imageID: imageID, boxCount: boxCount, values: values)
    }
    return (rows, rowOf, width?.value)
  }

  /// `imageid2idx.json` maps each image id to its 0-based row in the feature TSV.
  static func checkIndex(_ path: String, featureRows rowOf: [String: Int], log: inout ProblemLog)
    throws
  {
    let json: Any
    do {
      json = try JSONText.parse(try TextFile.read(path), file: path)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return
    }
    guard let index = json as? [String: Any] else {
      log.report(file: path, "expected a JSON object from image id to feature row")
      return
    }
    for key in index.keys.sorted() {
      guard let row = JSONText.integer(index[key]) else {
        log.report(file: path, field: key, "expected a row number")
        continue
      }
      if rowOf[key] != row {
        let actual = rowOf[key].map { "row \($0)" } ?? "no row"
        log.report(
          file: path, field: key,
          "says row \(row), but \(OscarDataset.featureFile) has \(actual) for this image")
      }
    }
  }
}
