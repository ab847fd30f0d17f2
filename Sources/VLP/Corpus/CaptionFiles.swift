import Foundation

/// One image-caption pair of a captions file: the image's path relative to the image folder,
/// and where in the file it was found (for messages about its image).
struct CaptionRecord: Sendable, Equatable {
  var image: String
  var caption: String
  var split: DataSplit
  /// `file: JSON path` of the entry, e.g. `train.json: [12].image`.
  var origin: String
}

/// Readers of the three caption formats. Each reports every bad entry to `log` with the file
/// and its JSON path, skips it and goes on, so that `skipInvalid` and `vlp data inspect` see
/// them all; a file that is missing or not JSON throws.
enum CaptionFiles {
  /// COCO captions (`images` with `id`, `file_name`; `annotations` with `image_id`, `caption`).
  static func coco(_ path: String, split: DataSplit, log: inout ProblemLog) throws -> [CaptionRecord] {
    let captions = try COCOCaptions.read(from: path, log: &log)
    var fileOf: [Int: (String, Int)] = [:]
    for (position, image) in captions.images.enumerated() { fileOf[image.id] = (image.fileName, position) }
    return captions.annotations.compactMap { annotation in
      guard let (file, position) = fileOf[annotation.imageID] else { return nil }
      return CaptionRecord(
        image: file, caption: annotation.caption, split: split,
        origin: "\(path): images[\(position)].file_name")
    }
  }

  /// Karpathy's dataset_coco.json: `images[].filepath`, `filename`, `split` (train, restval,
  /// val, test; restval trains, as in ALBEF and BLIP) and `sentences[].raw`.
  static func karpathy(_ path: String, log: inout ProblemLog) throws -> [CaptionRecord] {
    guard let document = try json(path, log: &log) else { return [] }
    guard let images = (document as? [String: Any])?["images"] as? [Any] else {
      log.report(file: path, field: "images", "missing or not an array; Karpathy's split file has "
        + "{\"images\": [{\"filepath\", \"filename\", \"split\", \"sentences\"}]}")
      return []
    }
    let splits: [String: DataSplit] = [
      "train": .train, "restval": .train, "val": .validation, "test": .test,
    ]
    var records: [CaptionRecord] = []
    for (index, entry) in images.enumerated() {
      let field = "images[\(index)]"
      guard let image = entry as? [String: Any] else {
        log.report(file: path, field: field, "expected an object")
        continue
      }
      guard let name = image["filename"] as? String, !name.isEmpty else {
        log.report(file: path, field: field + ".filename", "missing or not a string")
        continue
      }
      let folder = image["filepath"] as? String ?? ""
      guard let splitName = image["split"] as? String, let split = splits[splitName] else {
        log.report(
          file: path, field: field + ".split", "expected train, restval, val or test")
        continue
      }
      guard let sentences = image["sentences"] as? [Any], !sentences.isEmpty else {
        log.report(file: path, field: field + ".sentences", "missing, empty or not an array")
        continue
      }
      let relative = folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
      for (position, sentence) in sentences.enumerated() {
        let sentenceField = "\(field).sentences[\(position)].raw"
        guard let raw = (sentence as? [String: Any])?["raw"] else {
          log.report(file: path, field: sentenceField, "missing")
          continue
        }
        guard let caption = checkedCaption(raw, path, sentenceField, &log) else { continue }
        records.append(
          CaptionRecord(
            image: relative, caption: caption, split: split,
            origin: "\(path): \(field).filename"))
      }
    }
    return records
  }

  /// ALBEF / BLIP / LAVIS lists: `[{"image": path, "caption": str or [str]}]` (other keys, such
  /// as `image_id`, are ignored).
  static func jsonList(_ path: String, split: DataSplit, log: inout ProblemLog) throws
    -> [CaptionRecord]
  {
    guard let document = try json(path, log: &log) else { return [] }
    guard let entries = document as? [Any] else {
      log.report(file: path, "expected a JSON list of {\"image\": path, \"caption\": text}")
      return []
    }
    var records: [CaptionRecord] = []
    for (index, entry) in entries.enumerated() {
      let field = "[\(index)]"
      guard let object = entry as? [String: Any] else {
        log.report(file: path, field: field, "expected an object")
        continue
      }
      guard let image = object["image"] as? String, !image.isEmpty else {
        log.report(file: path, field: field + ".image", "missing or not a path")
        continue
      }
      guard let value = object["caption"] else {
        log.report(file: path, field: field + ".caption", "missing")
        continue
      }
      let captions: [(String, Any)]
      if let list = value as? [Any] {
        guard !list.isEmpty else {
          log.report(file: path, field: field + ".caption", "empty list of captions")
          continue
        }
        captions = list.enumerated().map { ("\(field).caption[\($0)]", $1) }
      } else {
        captions = [(field + ".caption", value)]
      }
      for (captionField, raw) in captions {
        guard let caption = checkedCaption(raw, path, captionField, &log) else { continue }
        records.append(
          CaptionRecord(image: image, caption: caption, split: split, origin: "\(path): \(field).image"))
      }
    }
    return records
  }

  private static func json(_ path: String, log: inout ProblemLog) throws -> Any? {
    let data = try TextFile.read(path)
    do {
      return try JSONText.parse(data, file: path)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return nil
    }
  }

  private static func checkedCaption(
    _ value: Any, _ path: String, _ field: String, _ log: inout ProblemLog
  ) -> String? {
    guard let text = value as? String else {
      log.report(file: path, field: field, "expected a string")
      return nil
    }
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      log.report(file: path, field: field, "empty caption")
      return nil
    }
    return text
  }
}
