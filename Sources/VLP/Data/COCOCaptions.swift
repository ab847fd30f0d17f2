import Foundation
import NN

/// A COCO captions file (`annotations/captions_*.json`): `images` with id and file name, and
/// `annotations` with id, image id and caption. Other keys (info, licenses) are ignored.
public struct COCOCaptions: Sendable, Equatable {
  public struct Image: Sendable, Equatable {
    public var id: Int
    public var fileName: String
    public var width: Int?
    public var height: Int?

    public init(id: Int, fileName: String, width: Int? = nil, height: Int? = nil) {
      self.id = id
      self.fileName = fileName
      self.width = width
      self.height = height
    }
  }

  public struct Annotation: Sendable, Equatable {
    public var id: Int
    public var imageID: Int
    public var caption: String

    public init(id: Int, imageID: Int, caption: String) {
      self.id = id
      self.imageID = imageID
      self.caption = caption
    }
  }

  public var images: [Image]
  public var annotations: [Annotation]

  public init(images: [Image], annotations: [Annotation]) {
    self.images = images
    self.annotations = annotations
  }

  /// Reads `path`, reporting every bad entry to `log` (and skipping it) instead of stopping.
  /// Throws only when nothing can be read: a missing file or invalid JSON.
  public static func read(from path: String, log: inout ProblemLog) throws -> COCOCaptions {
    let data = try TextFile.read(path)
    let root: Any
    do {
      root = try JSONText.parse(data, file: path)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return COCOCaptions(images: [], annotations: [])
    }
    guard let document = root as? [String: Any] else {
      log.report(file: path, "expected a JSON object with 'images' and 'annotations'")
      return COCOCaptions(images: [], annotations: [])
    }
    var images: [Image] = []
    var imageIDs = Set<Int>()
    for (index, entry) in elements(document, "images", path, &log).enumerated() {
      let field = "images[\(index)]"
      guard let (object, id) = identified(entry, field, path, &log) else { continue }
      guard let fileName = object["file_name"] as? String, !fileName.isEmpty else {
        log.report(
          file: path, field: field + ".file_name", "missing or not a string (image id \(id))")
        continue
      }
      guard imageIDs.insert(id).inserted else {
        log.report(file: path, field: field + ".id", "image id \(id) appears twice")
        continue
      }
      images.append(
        Image(
          id: id, fileName: fileName, width: JSONText.integer(object["width"]),
          height: JSONText.integer(object["height"])))
    }
    var annotations: [Annotation] = []
    for (index, entry) in elements(document, "annotations", path, &log).enumerated() {
      let field = "annotations[\(index)]"
      guard let (object, id) = identified(entry, field, path, &log) else { continue }
      guard let imageID = JSONText.integer(object["image_id"]) else {
        log.report(
          file: path, field: field + ".image_id", "missing or not an integer (annotation id \(id))")
        continue
      }
      guard imageIDs.contains(imageID) else {
        log.report(
          file: path, field: field + ".image_id",
          "unknown image id \(imageID) (annotation id \(id)); every image_id must appear in 'images'"
        )
        continue
      }
      guard let caption = object["caption"] as? String,
        !caption.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
      else {
        log.report(
          file: path, field: field + ".caption",
          "missing, empty or not a string (annotation id \(id))")
        continue
      }
      annotations.append(Annotation(id: id, imageID: imageID, caption: caption))
    }
    return COCOCaptions(images: images, annotations: annotations)
  }

  /// Reads `path` for training: any problem refuses the whole file.
  public static func load(from path: String) throws -> COCOCaptions {
    var log = ProblemLog()
    let captions = try read(from: path, log: &log)
    try log.throwIfAny()
    return captions
  }

  /// An entry of `images` or `annotations`: an object with an integer `id`, or nil once the
  /// problem is reported.
  private static func identified(
    _ entry: Any, _ field: String, _ path: String, _ log: inout ProblemLog
  ) -> (object: [String: Any], id: Int)? {
    guard let object = entry as? [String: Any] else {
      log.report(file: path, field: field, "expected an object")
      return nil
    }
    guard let id = JSONText.integer(object["id"]) else {
      log.report(file: path, field: field + ".id", "missing or not an integer")
      return nil
    }
    return (object, id)
  }

  private static func elements(
    _ document: [String: Any], _ key: String, _ path: String, _ log: inout ProblemLog
  ) -> [Any] {
    guard let value = document[key] else {
      log.report(
        file: path, field: key,
        "missing; a COCO captions file has 'images' and 'annotations' arrays")
      return []
    }
    guard let array = value as? [Any] else {
      log.report(file: path, field: key, "expected an array")
      return []
    }
    return array
  }

  /// The file as JSON, one image or annotation a line, in the order held.
  public var jsonText: String {
    let imageObjects = images.map { image -> JSONValue in
      var members: [(key: String, value: JSONValue)] = [
        ("id", .integer(image.id)), ("file_name", .string(image.fileName)),
      ]
      if let width = image.width { members.append(("width", .integer(width))) }
      if let height = image.height { members.append(("height", .integer(height))) }
      return .object(members)
    }
    let annotationObjects = annotations.map { annotation -> JSONValue in
      .object([
        ("id", .integer(annotation.id)), ("image_id", .integer(annotation.imageID)),
        ("caption", .string(annotation.caption)),
      ])
    }
    let document = JSONValue.object([
      ("images", .array(imageObjects)), ("annotations", .array(annotationObjects)),
    ])
    return document.text(.indented(depth: 2)) + "\n"
  }
}
