import Foundation

/// One detection of a label TSV row: `{class, conf, rect}`; rect is (x1, y1, x2, y2) in pixels.
public struct OscarObject: Sendable, Equatable {
  public var className: String
  public var confidence: Float?
  public var rect: [Float]?

  public init(className: String, confidence: Float? = nil, rect: [Float]? = nil) {
    self.className = className
    self.confidence = confidence
    self.rect = rect
  }
}

/// A label TSV row: `[image_id, {"image_h", "image_w", "objects": [...], "gt_objects": [...]}]`.
public struct OscarLabel: Sendable, Equatable {
  public var imageID: String
  public var imageWidth: Int?
  public var imageHeight: Int?
  public var objects: [OscarObject]
  public var groundTruthObjects: [OscarObject]?
}

/// Label rows: every problem is reported with the file, line and field, and the row skipped.
enum OscarLabelRow {
  /// One label row's JSON, in either form real files use: Oscar/VinVL pretraining's object
  /// `{"image_h", "image_w", "objects": [...], "gt_objects": [...]}`, or the bare list of
  /// objects of VinVL's captioning files and scene_graph_benchmark (`[{"class", "rect"}]`).
  /// The one parser of label rows: `OscarLabelFile` reads every row through it.
  static func parse(
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
}
