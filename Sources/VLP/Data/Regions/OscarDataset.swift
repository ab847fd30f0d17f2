import Foundation

/// A corpus TSV row: `[img_key, label_key, caption]`.
public struct OscarCorpusRow: Sendable, Equatable {
  public var line: Int
  public var imageKey: String
  public var labelKey: String
  public var caption: String
}

/// One folder of Oscar/VinVL pretraining data: a corpus TSV, a label TSV, a feature TSV and,
/// optionally, `imageid2idx.json` (image id to feature row).
public struct OscarDataset: Sendable {
  public static let corpusFile = "corpus.tsv"
  /// Label TSV names, in the order they are looked for (VinVL's pretraining uses the first).
  public static let labelFiles = ["predictions_gt.tsv", "predictions.tsv", "label.tsv"]
  public static let featureFile = "features.tsv"
  public static let indexFile = "imageid2idx.json"

  public var folder: String
  public var labelFile: String
  public var corpus: [OscarCorpusRow]
  public var labels: [String: OscarLabel]
  /// Each image's row as `RegionFeatureFile` reads it: (boxes, D + 6), box geometry included.
  public var features: [String: RegionFeatureBlock]
  /// D: the feature length without the 6 box values (nil when no row had a box).
  public var featureDimension: Int?

  /// Tags of a corpus row as Oscar builds text_b: the detections' classes in order, duplicates
  /// kept; from `gt_objects` when `groundTruth` is set and the row has them.
  public func tags(of row: OscarCorpusRow, groundTruth: Bool = false) -> [String] {
    guard let label = labels[row.labelKey] else { return [] }
    let objects = groundTruth ? (label.groundTruthObjects ?? label.objects) : label.objects
    return objects.map(\.className)
  }

  /// The (boxes, D + 6) region inputs of a corpus row's image.
  public func regionInputs(of row: OscarCorpusRow) -> [Float] {
    features[row.imageKey]?.values ?? []
  }

  /// Reads `folder`, reporting every problem to `log` (each missing file too) and skipping the
  /// rows at fault. Throws only when `folder` itself does not exist.
  public static func read(folder: String, log: inout ProblemLog) throws -> OscarDataset {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    guard manager.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw DataError.missingFile(
        path: folder,
        hint: "expected an Oscar folder with \(corpusFile), a label TSV and \(featureFile)")
    }
    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    let corpusPath = path(corpusFile)
    let labelName = labelFiles.first { manager.fileExists(atPath: path($0)) }
    let featurePath = path(featureFile)
    var missing = false
    if !manager.fileExists(atPath: corpusPath) {
      log.report(
        file: corpusPath,
        "missing: an Oscar folder needs \(corpusFile) ([img_key, label_key, caption])")
      missing = true
    }
    if labelName == nil {
      log.report(
        file: path(labelFiles[0]),
        "missing: an Oscar folder needs one of \(labelFiles.joined(separator: ", "))")
      missing = true
    }
    if !manager.fileExists(atPath: featurePath) {
      log.report(
        file: featurePath,
        "missing: an Oscar folder needs \(featureFile) ([image_id, num_boxes, base64])")
      missing = true
    }
    guard !missing, let labelName else {
      return OscarDataset(
        folder: folder, labelFile: labelName ?? labelFiles[0], corpus: [], labels: [:],
        features: [:],
        featureDimension: nil)
    }
    let problemsBefore = log.total
    let corpus = try OscarCaptionReader.readCorpus(corpusPath, log: &log)
    let corpusReadCleanly = log.total == problemsBefore
    let labelRead = try readLabels(path(labelName), log: &log)
    let featureRead = try readFeatures(featurePath, log: &log)
    let labels = labelRead?.labels ?? [:]
    let features = featureRead?.rows ?? [:]
    if let file = featureRead?.file, manager.fileExists(atPath: path(indexFile)) {
      file.checkImageIndex(at: path(indexFile), log: &log)
    }
    // The line of every id's first row, valid or not, to tell a broken row from a missing one.
    func featureLine(_ key: String) -> Int? { featureRead?.file.row(of: key).map { $0 + 1 } }
    func labelLine(_ key: String) -> Int? { labelRead?.file.row(of: key).map { $0 + 1 } }
    var valid: [OscarCorpusRow] = []
    for var row in corpus {
      // Oscar's corpus keys name the data set (`coco_391895`), its feature and label rows the
      // bare id: the part after the last `_` when the whole key has no row (as oscar_tsv.py).
      row.imageKey = bareKey(row.imageKey, in: featureLine)
      row.labelKey = bareKey(row.labelKey, in: labelLine)
      // A row that is present but broken was reported above; say so rather than "unknown".
      if features[row.imageKey] == nil {
        let reason =
          featureLine(row.imageKey).map { "its row in \(featureFile) (line \($0)) is broken" }
          ?? "unknown image id: no row in \(featureFile)"
        log.report(
          file: corpusPath, line: row.line, field: "img_key", "'\(row.imageKey)': \(reason)")
      } else if labels[row.labelKey] == nil {
        let reason =
          labelLine(row.labelKey).map { "its row in \(labelName) (line \($0)) is broken" }
          ?? "unknown label key: no row in \(labelName)"
        log.report(
          file: corpusPath, line: row.line, field: "label_key", "'\(row.labelKey)': \(reason)")
      } else {
        valid.append(row)
      }
    }
    // An empty file, not one whose every line was reported above.
    if corpus.isEmpty, corpusReadCleanly {
      log.report(file: corpusPath, "no captions (empty corpus): nothing to train or evaluate on")
    }
    return OscarDataset(
      folder: folder, labelFile: labelName, corpus: valid, labels: labels, features: features,
      featureDimension: featureRead?.featureDimension)
  }

  private static func bareKey(_ key: String, in rows: (String) -> Int?) -> String {
    guard rows(key) == nil, let underscore = key.lastIndex(of: "_") else { return key }
    let bare = String(key[key.index(after: underscore)...])
    return rows(bare) == nil ? key : bare
  }

  /// Reads `folder` for training: any problem refuses the whole data set.
  public static func load(folder: String, maximumProblems: Int = 50) throws -> OscarDataset {
    var log = ProblemLog(limit: maximumProblems)
    let dataset = try read(folder: folder, log: &log)
    try log.throwIfAny()
    return dataset
  }
}
