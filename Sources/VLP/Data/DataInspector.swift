import Foundation
import Imaging

/// Validates a data folder or file and summarizes it, listing every problem (up to a limit)
/// rather than stopping at the first. Recognizes an export of `vlp data export` in either
/// format, a COCO captions file or folder, Karpathy's split file, an ALBEF / BLIP annotation
/// list, an Oscar folder or one of its TSVs, and vocab.txt.
public enum DataInspector {
  public static func inspect(_ path: String, maximumProblems: Int = 20, exampleCount: Int = 3)
    throws -> DataInspection
  {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError.missingFile(
        path: path, hint: "give a data folder (an export, a COCO or Oscar folder) or a file")
    }
    var inspection = DataInspection(path: path, format: "")
    var log = ProblemLog(limit: maximumProblems)
    if isDirectory.boolValue {
      try inspectFolder(path, &inspection, &log, exampleCount)
    } else {
      try inspectFile(path, &inspection, &log, exampleCount)
    }
    inspection.record(log)
    return inspection
  }

  private static func inspectFolder(
    _ folder: String, _ inspection: inout DataInspection, _ log: inout ProblemLog,
    _ exampleCount: Int
  ) throws {
    func child(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    let manager = FileManager.default
    let annotations = child("annotations")
    let cocoFolder = manager.fileExists(atPath: annotations) ? annotations : folder
    let cocoFiles = ((try? manager.contentsOfDirectory(atPath: cocoFolder)) ?? [])
      .filter { $0.hasPrefix("captions_") && $0.hasSuffix(".json") }.sorted(by: splitOrder)
    // The folder itself, its split yamls (VinVL), or its split subfolders (looked for only
    // when there is no COCO file: listing every subfolder of an image folder is not free).
    let oscarFolders: [String]
    let yamls = cocoFiles.isEmpty ? splitYAMLs(in: folder) : []
    if !cocoFiles.isEmpty {
      oscarFolders = []
    } else if yamls.count > 1 {
      oscarFolders = yamls
    } else if isOscarSplit(folder) {
      oscarFolders = [folder]
    } else {
      oscarFolders = ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).sorted(
        by: splitOrder
      )
      .map(child).filter(isOscarSplit)
    }
    if !cocoFiles.isEmpty {
      inspection.format = "coco-json (captions)"
      var words = Set<String>()
      var imageNames: [(file: String, name: String)] = []
      for file in cocoFiles {
        let path = (cocoFolder as NSString).appendingPathComponent(file)
        let captions = try COCOCaptions.read(from: path, log: &log)
        summarize(captions, file: file, &inspection, &words, exampleCount)
        imageNames += captions.images.map { (path, $0.fileName) }
      }
      if manager.fileExists(atPath: child("images")) {
        checkImages(imageNames, in: child("images"), &inspection, &log)
      }
      inspection.vocabulary = "\(grouped(words.count)) distinct caption words (no vocab.txt)"
    } else if !oscarFolders.isEmpty {
      inspection.format = "oscar-tsv (corpus, labels, features)"
      var regionCounts: [Int] = []
      var dimension: Int?
      var onDemand: (dimension: Int?, boxCounts: [Int]) = (nil, [])
      for split in oscarFolders {
        var name = split == folder ? "." : (split as NSString).lastPathComponent
        guard isExportLayout(split) else {
          if name.hasSuffix(".yaml") { name = (name as NSString).deletingPathExtension }
          inspection.format = "oscar-tsv (captions, labels, features read on demand)"
          inspectOscarSplit(split, name: name, &inspection, &log, exampleCount, &onDemand)
          continue
        }
        inspection.lineIndexes.append(exportLineIndex(split, name: name))
        let dataset = try OscarDataset.read(folder: split, log: &log)
        inspection.parts.append(
          .init(name: name, pairs: dataset.corpus.count, images: dataset.features.count))
        regionCounts += dataset.features.values.map(\.boxCount)
        if let found = dataset.featureDimension {
          if let dimension, dimension != found {
            log.report(
              file: split, "features have D = \(found), but an earlier split has D = \(dimension)")
          }
          dimension = dimension ?? found
        }
        inspection.countTags(dataset.labels.values)
        for row in dataset.corpus.prefix(max(0, exampleCount - inspection.examples.count)) {
          let tags = dataset.tags(of: row).joined(separator: " · ")
          let boxes = dataset.features[row.imageKey]?.boxCount ?? 0
          inspection.examples.append(
            "\(name)/\(OscarDataset.corpusFile):\(row.line)  image \(row.imageKey)  \"\(row.caption)\"  tags: \(tags.isEmpty ? "none" : tags)  regions: \(boxes)"
          )
        }
      }
      if let dimension { inspection.regions = regions(dimension, regionCounts) }
      if inspection.regions == nil, let found = onDemand.dimension {
        inspection.regions = regions(found, onDemand.boxCounts)
      }
    } else {
      throw DataError.unrecognizedFormat(
        path: folder,
        reason:
          "found neither annotations/captions_*.json (COCO) nor \(OscarDataset.corpusFile) (Oscar); "
          + "`vlp data export --format coco-json|oscar-tsv --out DIR` writes an example")
    }
    let vocabulary = child(DataExporter.vocabularyFile)
    if manager.fileExists(atPath: vocabulary) { inspectVocabulary(vocabulary, &inspection, &log) }
    if let data = try? TextFile.read(child(DataExporter.configurationFile)) {
      do {
        let configuration = try SceneWorldConfiguration.decode(
          data, file: child(DataExporter.configurationFile))
        inspection.origin =
          "scene world, seed \(configuration.seed), \(grouped(configuration.pairCount)) pairs (world.json)"
      } catch {
        log.report(file: child(DataExporter.configurationFile), "\(error)")
      }
    }
  }

  private static func inspectFile(
    _ path: String, _ inspection: inout DataInspection, _ log: inout ProblemLog, _ exampleCount: Int
  ) throws {
    let name = (path as NSString).lastPathComponent
    if name.hasSuffix(".json"), let kind = captionListKind(path) {
      try inspectCaptionList(path, kind: kind, &inspection, &log, exampleCount)
    } else if name.hasSuffix(".json") {
      inspection.format = "coco-json (captions)"
      var words = Set<String>()
      summarize(
        try COCOCaptions.read(from: path, log: &log), file: name, &inspection, &words, exampleCount)
      inspection.vocabulary = "\(grouped(words.count)) distinct caption words (no vocab.txt)"
    } else if name.hasSuffix(".yaml") {
      inspection.format = "oscar-tsv (captions, labels, features read on demand)"
      var summary: (dimension: Int?, boxCounts: [Int]) = (nil, [])
      let split = (name as NSString).deletingPathExtension
      inspectOscarSplit(path, name: split, &inspection, &log, exampleCount, &summary)
      if let found = summary.dimension { inspection.regions = regions(found, summary.boxCounts) }
    } else if name.hasSuffix(".txt") {
      inspection.format = "vocab.txt"
      inspectVocabulary(path, &inspection, &log)
    } else if name.hasSuffix(".tsv") {
      switch try tsvKind(path, name: name) {
      case .features:
        inspection.format = "oscar-tsv features"
        let features = try OscarDataset.readFeatures(path, log: &log)
        inspection.parts = [.init(name: name, pairs: 0, images: features?.rows.count ?? 0)]
        if let features, let dimension = features.featureDimension {
          inspection.regions = regions(dimension, features.rows.values.map(\.boxCount))
        }
      case .labels:
        inspection.format = "oscar-tsv labels"
        let labels = try OscarDataset.readLabels(path, log: &log)?.labels ?? [:]
        inspection.parts = [.init(name: name, pairs: 0, images: labels.count)]
        inspection.countTags(labels.values)
      case .corpus:
        inspection.format = "oscar-tsv corpus"
        let rows = try OscarCaptionReader.readCorpus(path, log: &log)
        inspection.parts = [
          .init(name: name, pairs: rows.count, images: Set(rows.map(\.imageKey)).count)
        ]
        inspection.examples = rows.prefix(exampleCount).map {
          "\(name):\($0.line)  image \($0.imageKey)  \"\($0.caption)\""
        }
        let words = Set(rows.flatMap { BasicTokenizer.tokenize($0.caption) })
        inspection.vocabulary = "\(grouped(words.count)) distinct caption words (no vocab.txt)"
      }
    } else {
      throw DataError.unrecognizedFormat(
        path: path,
        reason:
          "expected a .json (COCO captions), .tsv (Oscar), .yaml (a VinVL split) or .txt "
          + "(vocabulary) file, or a folder")
    }
  }

  private enum TSVKind { case corpus, labels, features }

  /// By file name first (corpus, predictions/label, features), else by the first line's columns.
  private static func tsvKind(_ path: String, name: String) throws -> TSVKind {
    if name.hasPrefix("corpus") { return .corpus }
    if name.hasPrefix("predictions") || name.hasPrefix("label") { return .labels }
    if name.hasPrefix("feature") { return .features }
    let first = try TextFile.lines(at: path).first.map(TextTSV.columns) ?? []
    if first.count == 2 { return .labels }
    if first.count == 3, Int(first[1]) != nil, !first[2].contains(" ") { return .features }
    return .corpus
  }

  private static func inspectVocabulary(
    _ path: String, _ inspection: inout DataInspection, _ log: inout ProblemLog
  ) {
    do {
      let vocabulary = try Vocabulary.load(from: path)
      let pieces = vocabulary.tokens.contains { $0.hasPrefix("##") }
      inspection.vocabulary =
        "\((path as NSString).lastPathComponent): \(grouped(vocabulary.count)) tokens"
        + (pieces ? " (WordPiece: has ## pieces)" : " (word-level)")
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
    } catch {
      log.report(file: path, "\(error)")
    }
  }

  /// Every image the captions name, found as training finds it and decoded (at libjpeg's
  /// smallest scale, so a folder of photos is checked quickly): what `vlp run` would refuse.
  private static func checkImages(
    _ names: [(file: String, name: String)], in folder: String, _ inspection: inout DataInspection,
    _ log: inout ProblemLog
  ) {
    let folders = CorpusLoader.imageFolders(folder)
    var checked = Set<String>()
    for (file, name) in names where checked.insert(name).inserted {
      guard let path = CorpusLoader.locateImage(name, in: folders) else {
        log.report(file: file, "missing image \(name) (looked in \(folder) and its subfolders)")
        continue
      }
      do {
        _ = try ImageDecoding.decode(file: path, reducedTo: 1)
      } catch {
        // The decoder's message starts with the path, which the problem already names.
        let message = "\(error)"
        log.report(
          file: path,
          message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message)
      }
    }
    inspection.imageFilesChecked = checked.count
  }

  private static func summarize(
    _ captions: COCOCaptions, file: String, _ inspection: inout DataInspection,
    _ words: inout Set<String>,
    _ exampleCount: Int
  ) {
    inspection.parts.append(
      .init(name: file, pairs: captions.annotations.count, images: captions.images.count))
    let names = Dictionary(
      captions.images.map { ($0.id, $0.fileName) }, uniquingKeysWith: { first, _ in first })
    for annotation in captions.annotations {
      words.formUnion(BasicTokenizer.tokenize(annotation.caption))
    }
    for annotation in captions.annotations.prefix(max(0, exampleCount - inspection.examples.count))
    {
      inspection.examples.append(
        "\(file)  image \(annotation.imageID) (\(names[annotation.imageID] ?? "?"))  \"\(annotation.caption)\""
      )
    }
  }

  private static func regions(_ dimension: Int, _ counts: [Int]) -> DataInspection.Regions {
    DataInspection.Regions(
      featureDimension: dimension, minimumPerImage: counts.min() ?? 0,
      maximumPerImage: counts.max() ?? 0,
      meanPerImage: Double(counts.reduce(0, +)) / Double(max(1, counts.count)))
  }

  /// train, val, test first, then anything else alphabetically (works on names and file names).
  private static func splitOrder(_ a: String, _ b: String) -> Bool {
    func rank(_ name: String) -> Int {
      DataSplit.allCases.firstIndex {
        name == $0.rawValue || name == "captions_\($0.rawValue).json"
      } ?? 3
    }
    return (rank(a), a) < (rank(b), b)
  }
}
