import Foundation
import Imaging
import NN

/// The formats the scene world can be written in and read back from.
public enum DataFormat: String, Sendable, CaseIterable {
  case cocoJSON = "coco-json"
  case oscarTSV = "oscar-tsv"
}

/// Writes the scene world as real VLP data, so that the readers, `inspect` and other tools can
/// be tried on it. Same world, same bytes: every file is written in a fixed order with fixed
/// number formatting. Layout (one folder per split):
///
///     world.json                      the configuration that generated the world
///     vocab.txt                       word-level vocabulary of captions and tags
///     coco-json:  annotations/captions_{train,val,test}.json, images/{split}/scene_NNNNNN.png
///     oscar-tsv:  {train,val,test}/corpus.tsv, predictions_gt.tsv, features.tsv, imageid2idx.json
public enum DataExporter {
  public static let configurationFile = "world.json"
  public static let vocabularyFile = "vocab.txt"

  /// The encoding of exported images: PNG (lossless) or JPEG (quality 95, what real COCO
  /// images are; `vlp data export --images` writes JPEG).
  public enum ImageEncoding: String, Sendable {
    case png, jpeg
  }

  /// Returns the paths written, relative to `folder`. Refuses a non-empty folder unless
  /// `overwrite`. `tags` picks the vocabulary of the Oscar label TSV; `images` adds images to a
  /// COCO export, encoded as `imageFormat` says.
  @discardableResult
  public static func export(
    _ world: SceneWorld, format: DataFormat, to folder: String, tags: TagVocabulary = .fine,
    images: Bool = false, imageFormat: ImageEncoding = .png, overwrite: Bool = false
  ) throws -> [String] {
    try prepare(folder, overwrite: overwrite)
    var written: [String] = []
    func write(_ relative: String, _ text: String) throws {
      let path = (folder as NSString).appendingPathComponent(relative)
      try makeFolder((path as NSString).deletingLastPathComponent)
      try TextFile.write(text, to: path)
      written.append(relative)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let configuration = try encoder.encode(world.configuration)
    try write(configurationFile, String(decoding: configuration, as: UTF8.self) + "\n")
    try write(vocabularyFile, world.vocabulary().tokens.map { $0 + "\n" }.joined())
    let digits = max(6, String(world.count - 1).count)
    func fileName(_ index: Int) -> String {
      let number = String(index)
      return "scene_" + String(repeating: "0", count: max(0, digits - number.count)) + number
        + (imageFormat == .png ? ".png" : ".jpg")
    }
    for split in DataSplit.allCases {
      let pairs = world.pairs(in: split)
      switch format {
      case .cocoJSON:
        let side = world.configuration.imageSize
        let captions = COCOCaptions(
          images: pairs.map {
            .init(id: $0.index, fileName: fileName($0.index), width: side, height: side)
          },
          annotations: pairs.map {
            .init(id: $0.index, imageID: $0.index, caption: $0.caption.text)
          })
        try write("annotations/captions_\(split.rawValue).json", captions.jsonText)
        if images {
          for pair in pairs {
            let relative = "images/\(split.rawValue)/\(fileName(pair.index))"
            let path = (folder as NSString).appendingPathComponent(relative)
            try makeFolder((path as NSString).deletingLastPathComponent)
            do throws(ImageError) {
              switch imageFormat {
              case .png: try PNGEncoding.write(world.image(at: pair.index), to: path)
              case .jpeg: try JPEGEncoding.write(world.image(at: pair.index), to: path, quality: 95)
              }
            } catch .cannotWrite(_, let reason) {
              throw DataError.cannotWrite(path: path, reason: reason)
            } catch {
              throw DataError.cannotWrite(path: path, reason: error.description)
            }
            written.append(relative)
          }
        }
      case .oscarTSV:
        let base = split.rawValue + "/"
        let side = Float(world.configuration.imageSize)
        try write(
          base + OscarDataset.corpusFile,
          pairs.map { "\($0.index)\t\($0.index)\t\($0.caption.text)\n" }.joined())
        try write(
          base + OscarDataset.labelFiles[0],
          pairs.map { "\($0.index)\t\(labelJSON($0, tags, side))\n" }.joined())
        try write(
          base + OscarDataset.featureFile,
          pairs.map { "\($0.index)\t\($0.regionCount)\t\(FeatureCodec.encode($0.regionInputs))\n" }
            .joined())
        let index = pairs.enumerated().map { (key: String($1.index), value: JSONValue.integer($0)) }
        try write(base + OscarDataset.indexFile, JSONValue.object(index).text() + "\n")
      }
    }
    return written
  }

  /// VinVL's label JSON: detections (confident regions, tags in the chosen vocabulary) and the
  /// ground-truth objects, rectangles in pixels.
  static func labelJSON(_ pair: ScenePair, _ vocabulary: TagVocabulary, _ side: Float) -> String {
    func rect(_ box: BoundingBox) -> JSONValue {
      .array([box.x1, box.y1, box.x2, box.y2].map { .float($0 * side) })
    }
    let objects = pair.regions.compactMap { region -> JSONValue? in
      guard region.confidence >= SimulatedDetector.tagConfidenceThreshold,
        let tag = vocabulary.tag(fineClass: region.detectedClass, colour: region.detectedColour)
      else { return nil }
      return .object([
        ("class", .string(tag)), ("conf", .float(region.confidence)), ("rect", rect(region.box)),
      ])
    }
    let truth = pair.scene.objects.compactMap { object -> JSONValue? in
      guard let tag = vocabulary.tag(fineClass: object.fineClass, colour: object.colour) else {
        return nil
      }
      return .object([("class", .string(tag)), ("rect", rect(object.box))])
    }
    let size = JSONValue.integer(Int(side))
    return JSONValue.object([
      ("image_h", size), ("image_w", size), ("num_boxes", .integer(pair.regionCount)),
      ("objects", .array(objects)), ("gt_objects", .array(truth)),
    ]).text()
  }

  private static func prepare(_ folder: String, overwrite: Bool) throws {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: folder, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw DataError.cannotWrite(path: folder, reason: "is a file; --out needs a folder")
      }
      let contents = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
      guard contents.isEmpty || overwrite else {
        throw DataError.cannotWrite(
          path: folder,
          reason: "the folder is not empty; choose another --out or pass --force to overwrite")
      }
    }
    try makeFolder(folder)
  }

  private static func makeFolder(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw DataError.cannotWrite(path: path, reason: error.localizedDescription)
    }
  }
}
