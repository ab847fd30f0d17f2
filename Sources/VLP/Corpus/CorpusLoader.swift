import Foundation

/// What loading a real data set reports while it works: each skipped item (once), how far the
/// image cache is, and a one-line summary at the end.
public enum CorpusEvent: Sendable {
  case skipped(DataProblem)
  case preparingImages(done: Int, total: Int)
  case loaded(summary: String)
}

public typealias CorpusProgress = @Sendable (CorpusEvent) -> Void

/// Opens the data set a session's `data` section names: checks every file up front, reads the
/// captions (or Oscar folders), refuses the data on any problem unless `skipInvalid` (then
/// each skipped item is reported once and counted in the summary), and builds the tokenizer.
public enum CorpusLoader {
  /// Problems listed in a refusal; `skipInvalid` reports every one.
  static let listedProblems = 50

  public static func load(
    _ data: DataConfiguration, imageSize: Int, progress: CorpusProgress? = nil
  ) throws -> (corpus: any PretrainingCorpus, tokenizer: Tokenizer) {
    try checkFiles(data)
    var log = ProblemLog(limit: data.skipInvalid ? Int.max : listedProblems)
    let corpus: any PretrainingCorpus
    switch data.source {
    case .world:
      preconditionFailure("the scene world is not loaded from files")
    case .coco, .karpathy, .json:
      corpus = try captionCorpus(data, imageSize: imageSize, log: &log, progress: progress)
    case .oscarTSV:
      corpus = try regionCorpus(data, log: &log, progress: progress)
    }
    let tokenizer = try makeTokenizer(data, corpus: corpus)
    let train = corpus.indices(of: .train).count
    let test = corpus.indices(of: .test).count
    var summary = "\(data.source.rawValue): \(train) training pairs, \(test) test pairs"
    if log.total > 0 { summary += ", \(log.total) skipped (skipInvalid)" }
    progress?(.loaded(summary: summary))
    return (corpus, tokenizer)
  }

  /// Every path the source needs exists, with the right kind (file or folder); the error names
  /// the session key and where the layout is documented.
  static func checkFiles(_ data: DataConfiguration) throws {
    for key in DataConfiguration.fileKeys {
      guard data.source.keys.contains(key), let path = data.path(key) else { continue }
      if key == .labels { continue }  // a name inside each Oscar split folder
      let wantsFolder = key == .images || data.source == .oscarTSV && key != .vocabulary
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw DataError.missingFile(
          path: path,
          hint: "data.\(key.rawValue) names it; put the \(what(key, data.source)) there "
            + "(the layout of data.source \"\(data.source.rawValue)\" is in docs/data.md)")
      }
      if isFolder.boolValue != wantsFolder {
        throw DataError.invalidConfiguration(
          field: "data.\(key.rawValue)",
          reason: "\(path) is a \(isFolder.boolValue ? "folder" : "file"), expected a "
            + (wantsFolder ? "folder" : "file"))
      }
    }
  }

  private static func what(_ key: DataConfiguration.CodingKeys, _ source: DataSource) -> String {
    switch (key, source) {
    case (.images, _): "image folder"
    case (.vocabulary, _): "BERT vocab.txt"
    case (.file, _): "Karpathy split file (dataset_coco.json)"
    case (_, .coco): "COCO captions file"
    case (_, .oscarTSV): "Oscar/VinVL \(key.rawValue) folder"
    default: "annotation list (JSON)"
    }
  }

  /// The records of the caption files, each image checked up front; then the image cache.
  static func captionCorpus(
    _ data: DataConfiguration, imageSize: Int, log: inout ProblemLog, progress: CorpusProgress?
  ) throws -> CaptionCorpus {
    var records: [CaptionRecord] = []
    switch data.source {
    case .coco:
      for (key, split) in [(DataConfiguration.CodingKeys.train, DataSplit.train), (.val, .validation), (.test, .test)] {
        guard let path = data.path(key) else { continue }
        records += try CaptionFiles.coco(path, split: split, log: &log)
      }
    case .karpathy:
      records = try CaptionFiles.karpathy(data.path(.file)!, log: &log)
    default:
      for (key, split) in [(DataConfiguration.CodingKeys.train, DataSplit.train), (.test, .test)] {
        records += try CaptionFiles.jsonList(data.path(key)!, split: split, log: &log)
      }
    }
    let folders = imageFolders(data.path(.images)!)
    var imagePaths: [String] = []
    var indexOfImage: [String: Int] = [:]
    var missing = Set<String>()
    var kept: [CaptionRecord] = []
    var imageOfPair: [Int] = []
    for record in records {
      let candidates = folders.map { ($0 as NSString).appendingPathComponent(record.image) }
      let path =
        candidates.first { indexOfImage[$0] != nil }
        ?? locateImage(record.image, in: folders) ?? candidates[0]
      if missing.contains(path) { continue }
      if indexOfImage[path] == nil {
        guard FileManager.default.fileExists(atPath: path) else {
          missing.insert(path)
          log.report(file: path, "missing image (named by \(record.origin))")
          continue
        }
        indexOfImage[path] = imagePaths.count
        imagePaths.append(path)
      }
      kept.append(record)
      imageOfPair.append(indexOfImage[path]!)
    }
    try settle(&log, data: data, progress: progress)
    let (images, failures) = try CorpusImageCache.prepare(
      paths: imagePaths, data: data, imageSize: imageSize, progress: progress)
    // With skipInvalid, images that could not be decoded leave with their captions.
    for (image, message) in failures.sorted(by: { $0.key < $1.key }) {
      log.report(file: imagePaths[image], message)
      progress?(.skipped(DataProblem(file: imagePaths[image], reason: message)))
    }
    let usable = kept.indices.filter { failures[imageOfPair[$0]] == nil }
    return CaptionCorpus(
      source: data.source, records: usable.map { kept[$0] }, imagePaths: imagePaths,
      imageOfPair: usable.map { imageOfPair[$0] }, images: images)
  }

  /// The first of `folders` that holds the image `name` (nil: none does): how training and
  /// `vlp data inspect` find a caption's image.
  static func locateImage(_ name: String, in folders: [String]) -> String? {
    folders.lazy.map { ($0 as NSString).appendingPathComponent(name) }
      .first { FileManager.default.fileExists(atPath: $0) }
  }

  /// Where image file names are looked up: the image folder, then its subfolders in name order
  /// (COCO keeps train2014/ and val2014/ apart; `vlp data export` writes train/, val/, test/).
  static func imageFolders(_ folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let subfolders = names.sorted().filter { name in
      var isFolder: ObjCBool = false
      let path = (folder as NSString).appendingPathComponent(name)
      return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        && isFolder.boolValue
    }
    return [folder] + subfolders.map { (folder as NSString).appendingPathComponent($0) }
  }

  /// Refuses the data on any problem, or with `skipInvalid` reports each once.
  static func settle(_ log: inout ProblemLog, data: DataConfiguration, progress: CorpusProgress?)
    throws
  {
    guard !log.isEmpty else { return }
    guard data.skipInvalid else {
      throw DataError.invalidData(
        problems: Array(log.problems.prefix(listedProblems)), total: log.total)
    }
    for problem in log.problems { progress?(.skipped(problem)) }
  }

  /// BERT's WordPiece over `data.vocabulary`, or over a vocabulary built from the training
  /// captions (and tags) when none is given.
  static func makeTokenizer(_ data: DataConfiguration, corpus: any PretrainingCorpus) throws
    -> Tokenizer
  {
    try Tokenizer.bert(vocabularyFile: data.path(.vocabulary)) {
      corpus.indices(of: .train).flatMap { [corpus.caption($0), corpus.tagText($0, tags: data.tags)] }
    }
  }
}
