import Foundation

/// One split of Oscar/VinVL region data, read on demand: captions (text, held in memory),
/// region features and labels (read a row at a time through line indexes, so memory does not
/// grow with the feature file). Immutable after opening; reads are safe from several threads.
///
/// Two ways to use it: `validate(log:)` lists every problem (for `vlp data inspect`, or to
/// refuse a data set before training), and every read throws `DataError.invalidData` naming
/// the file, line and field of its own problem (for a trainer that skips what is broken).
public final class OscarFolder: Sendable {
  public let files: OscarFolderFiles
  /// The usable captions: not empty, and their image has a feature row.
  public let captions: [OscarCaption]
  public let features: RegionFeatureFile
  public let labels: OscarLabelFile?
  /// Captions left out while opening (unknown image, empty, malformed) and an empty corpus.
  public let captionProblems: [DataProblem]

  /// What opening found: repeated image ids in the TSVs, bad hw rows, `captionProblems`.
  public var problems: [DataProblem] {
    features.problems + (labels?.problems ?? []) + captionProblems
  }

  /// Opens a split folder or its `.yaml`; `labels` overrides the folder's label file. Throws
  /// only when nothing can be read (a missing file, an unreadable line index, an unknown
  /// feature encoding); every other problem is in `problems` and `validate(log:)`.
  public init(
    _ path: String, labels: String? = nil, placement: LineIndexPlacement = LineIndexPlacement()
  ) throws {
    let files = try OscarFolderFiles.locate(path, labels: labels)
    self.files = files
    features = try RegionFeatureFile(path: files.features, placement: placement)
    self.labels = try files.labels.map {
      try OscarLabelFile(path: $0, imageSizes: files.imageSizes, placement: placement)
    }
    var log = ProblemLog(limit: 1000)
    let featureName = (files.features as NSString).lastPathComponent
    var usable: [OscarCaption] = []
    for var caption in try OscarCaptionReader.read(files.captions, log: &log) {
      guard let imageID = OscarFolder.resolve(caption.key, in: features) else {
        // TSV rows name the key column; JSON entries their `image_id`.
        let field = caption.field.map { $0.replacingOccurrences(of: ".caption", with: ".image_id") }
        log.report(
          file: caption.file, line: caption.line, field: field ?? "img_key",
          "'\(caption.key)': unknown image id: no row in \(featureName); "
            + "remove the caption or add the image's features")
        continue
      }
      caption.imageID = imageID
      usable.append(caption)
    }
    if usable.isEmpty {
      log.report(
        file: files.captions,
        "no usable captions (empty corpus): nothing to train or evaluate on in this split")
    }
    captions = usable
    var problems = log.problems
    if log.total > problems.count {
      problems.append(
        DataProblem(
          file: files.captions,
          reason: "... and \(log.total - problems.count) more caption problems"))
    }
    captionProblems = problems
  }

  /// Oscar's corpus keys name the data set (`coco_391895`) while feature rows use the bare id:
  /// an exact match first, then the part after the last `_` (as `oscar_tsv.py` does).
  static func resolve(_ key: String, in features: RegionFeatureFile) -> String? {
    if features.row(of: key) != nil { return key }
    if let underscore = key.lastIndex(of: "_") {
      let bare = String(key[key.index(after: underscore)...])
      if features.row(of: bare) != nil { return bare }
    }
    return nil
  }

  /// Distinct images of the usable captions, in first-seen order.
  public var imageIDs: [String] {
    var seen = Set<String>()
    return captions.compactMap { seen.insert($0.imageID).inserted ? $0.imageID : nil }
  }

  /// The image's regions as the file stores them, (boxCount, dimension).
  public func regionFeatures(of imageID: String) throws -> RegionFeatureBlock {
    try features.read(imageID: imageID)
  }

  /// The label row of an image (nil without a label file or a row for it).
  public func label(of imageID: String) throws -> OscarLabel? {
    try labels?.label(of: imageID)
  }

  /// Oscar's tags: the detections' classes (with confidences) in file order, duplicates kept;
  /// `gt_objects` with `groundTruth` where the row has them.
  public func tags(of imageID: String, groundTruth: Bool = false) throws -> [OscarObject] {
    guard let label = try label(of: imageID) else { return [] }
    return groundTruth ? (label.groundTruthObjects ?? label.objects) : label.objects
  }

  /// The label file's class vocabulary (one pass over it; call once and keep it).
  public func labelVocabulary(groundTruth: Bool = false) throws -> LabelVocabulary {
    try labels?.vocabulary(groundTruth: groundTruth) ?? LabelVocabulary(counts: [:])
  }

  /// Hard labels of masked region classification: each detection's class index in
  /// `vocabulary` (nil when it is not in it), its confidence and its box in pixels. They line
  /// up with the feature rows only where the counts agree (`regionInputs(..., .fromLabels)`
  /// checks); VinVL's released features have more boxes than their label rows.
  public func regionClasses(
    of imageID: String, in vocabulary: LabelVocabulary, groundTruth: Bool = false
  ) throws -> [RegionClass] {
    try tags(of: imageID, groundTruth: groundTruth).map {
      RegionClass(
        classIndex: vocabulary.index(of: $0.className), confidence: $0.confidence, rect: $0.rect)
    }
  }

  public struct RegionClass: Sendable, Equatable {
    public var classIndex: Int?
    public var confidence: Float?
    public var rect: [Float]?
  }

  /// Where the 6 box values of a region input come from.
  public enum BoxGeometry: Sendable {
    /// Already in the file (VinVL's 2,054 = 2,048 + 6, and our exports' D + 6).
    case inFile
    /// Appended from the label row's rects and the image size (pooled features alone, as a
    /// detector writes them): the label row must have one object with a rect per box.
    case fromLabels
  }

  /// The model's region inputs: the file's values, or with `.fromLabels` each box's features
  /// followed by `boxGeometry(rect:...)`, (boxCount, dimension + 6).
  public func regionInputs(of imageID: String, geometry: BoxGeometry) throws -> RegionFeatureBlock {
    var block = try regionFeatures(of: imageID)
    guard geometry == .fromLabels else { return block }
    let row = features.row(of: imageID) ?? 0
    let labelName = files.labels.map { ($0 as NSString).lastPathComponent } ?? "no label file"
    guard let label = try label(of: imageID),
      label.objects.count == block.boxCount,
      let width = label.imageWidth, let height = label.imageHeight, width > 0, height > 0,
      label.objects.allSatisfy({ $0.rect != nil })
    else {
      throw features.table.rowProblem(
        row, "num_boxes",
        "\(block.boxCount) boxes, but \(labelName) has no row for '\(imageID)' with as many "
          + "objects, each with a rect, and image_w/image_h (or an *.hw.tsv): box geometry "
          + "cannot be appended; use features that carry it (VinVL's 2,054)")
    }
    var values: [Float] = []
    values.reserveCapacity(block.boxCount * (block.dimension + 6))
    for (box, object) in label.objects.enumerated() {
      values += block.values[(box * block.dimension)..<((box + 1) * block.dimension)]
      values += OscarFolder.boxGeometry(
        rect: object.rect!, imageWidth: Float(width), imageHeight: Float(height))
    }
    block.values = values
    block.dimension += 6
    return block
  }

  /// Oscar's 6 box values: x1/w, y1/h, x2/w, y2/h, box width/w, box height/h.
  public static func boxGeometry(rect: [Float], imageWidth: Float, imageHeight: Float) -> [Float] {
    let (x1, y1, x2, y2) = (rect[0], rect[1], rect[2], rect[3])
    return [
      x1 / imageWidth, y1 / imageHeight, x2 / imageWidth, y2 / imageHeight,
      (x2 - x1) / imageWidth, (y2 - y1) / imageHeight,
    ]
  }

  /// Every problem: the captions', then every feature and label row (each read once, freed).
  /// Returns the box count of each feature row that reads, for summaries.
  @discardableResult
  public func validate(log: inout ProblemLog) -> [Int] {
    log.report(contentsOf: captionProblems)
    let boxCounts = features.validate(log: &log)
    if let index = files.imageIndex { features.checkImageIndex(at: index, log: &log) }
    labels?.validate(log: &log)
    return boxCounts
  }
}
