import Foundation
import TestSupport
import Testing

@testable import VLP

/// Seeded mutation fuzzing of Oscar/VinVL split folders (docs/reliability.md, "Fuzzing"): one
/// file of a valid folder is mutated at a time (feature rows in both encodings, label rows,
/// a line index, captions as corpus.tsv and as JSON); opening, validating and reading every
/// row, and `vlp data inspect` of the folder, may refuse, never trap, hang or answer in
/// Foundation's words.
@Suite struct RegionDataFuzzTests {
  typealias Fixtures = OscarFolderFixtures
  static let d = 4

  static func values(_ image: Int, _ boxes: Int) -> [Float] {
    Fixtures.values(image: image, boxes: boxes, dimension: d)
  }

  static let columnsFeatures = [
    Fixtures.columnsRow("1", boxes: 2, values(1, 2)), Fixtures.columnsRow("2", boxes: 1, values(2, 1)),
    Fixtures.columnsRow("3", boxes: 0, []),
  ]
  static let jsonFeatures = [
    Fixtures.jsonRow("1", boxes: 2, values(1, 2)), Fixtures.jsonRow("2", boxes: 1, values(2, 1)),
  ]
  static let captionsJSON =
    #"[{"image_id": "1", "caption": "a dog catches a frisbee", "id": 1}, {"image_id": 2, "caption": "a man", "id": 2}]"#
  static let hw = "1\t[{\"height\": 480, \"width\": 640}]\n2\t[{\"height\": 10, \"width\": 10}]\n"

  static func lines(_ rows: [String], _ ending: String = "\n") -> String {
    rows.map { $0 + ending }.joined()
  }

  /// The files of a valid Oscar-layout folder (three-column features, object labels, corpus.tsv).
  static let columnsFolder = [
    "features.tsv": lines(columnsFeatures), "predictions_gt.tsv": lines(Fixtures.columnsLabels),
    "corpus.tsv": lines(Fixtures.columnsCorpus),
  ]
  /// The files of a valid VinVL-layout folder (JSON feature column, bare label lists, hw, JSON captions).
  static let vinvlFolder = [
    "train.feature.tsv": lines(jsonFeatures, "\r\n"),
    "train.label.tsv":
      #"1\#t[{"class": "dog", "conf": 0.91, "rect": [0, 0, 320, 240]}, {"class": "frisbee", "conf": 0.5, "rect": [10, 20, 30, 40]}]"#
      + "\n" + #"2\#t[{"class": "man", "conf": 0.8, "rect": [1, 2, 3, 4]}]"# + "\n",
    "train.hw.tsv": hw, "train_caption.json": captionsJSON,
  ]

  /// Opens the folder around `path` as a trainer and `vlp data inspect` would, and reads every row.
  static func readFolder(_ path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".lineidx") {
      // A fresh index each case, so that a seed reproduces alone.
      if !(path as NSString).lastPathComponent.hasSuffix(".lineidx") || !path.hasSuffix(name) {
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
      }
    }
    let oscar = try OscarFolder(folder, placement: LineIndexPlacement(cacheFolder: nil))
    var log = ProblemLog(limit: 100)
    _ = oscar.validate(log: &log)
    for row in 0..<oscar.features.rowCount { _ = try? oscar.features.read(row: row) }
    if let labels = oscar.labels {
      for row in 0..<labels.table.rowCount { _ = try? labels.label(row: row) }
      _ = try? labels.vocabulary()
    }
    for caption in oscar.captions { _ = try? oscar.regionFeatures(of: caption.imageID) }
    // `vlp data inspect` reads the export layout whole (OscarDataset), through the same readers.
    _ = try? DataInspector.inspect(folder, maximumProblems: 100)
  }

  /// Mutates `mutated` of `folder` (the other files stay valid) and opens the folder.
  static func fuzz(
    _ name: String, folder: [String: String], mutated: String, extra tokens: [String] = []
  ) -> (failures: [String], casesRun: Int) {
    var fuzzer = Fuzzer(name: name, corpus: [Array(folder[mutated]!.utf8)], fileName: mutated)
    fuzzer.tokens += ["\t", "\t\t", "\n", "{\"num_boxes\": 2}", "\"features\"", "AAAA", "===="] + tokens
    return fuzzer.run(cases: Fuzzer.caseCount(default: 600), seconds: Fuzzer.timeLimit(default: 2)) { path in
      let directory = (path as NSString).deletingLastPathComponent
      for (file, text) in folder where file != mutated {
        let companion = (directory as NSString).appendingPathComponent(file)
        if !FileManager.default.fileExists(atPath: companion) {
          _ = FileManager.default.createFile(atPath: companion, contents: Data(text.utf8))
        }
      }
      try readFolder(path)
    }
  }

  @Test(arguments: [
    ("oscar features.tsv", "columns", "features.tsv"),
    ("oscar predictions_gt.tsv", "columns", "predictions_gt.tsv"),
    ("oscar corpus.tsv", "columns", "corpus.tsv"),
    ("vinvl train.feature.tsv", "vinvl", "train.feature.tsv"),
    ("vinvl train.label.tsv", "vinvl", "train.label.tsv"),
    ("vinvl train.hw.tsv", "vinvl", "train.hw.tsv"),
    ("vinvl train_caption.json", "vinvl", "train_caption.json"),
  ])
  func oscarFoldersHoldOnMutatedFiles(name: String, layout: String, file: String) {
    let run = Self.fuzz(name, folder: layout == "columns" ? Self.columnsFolder : Self.vinvlFolder, mutated: file)
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 20)
  }

  /// A mutated `.lineidx` beside a valid TSV: written after the TSV, so it is read, not rebuilt.
  @Test func lineIndexFilesHoldOnMutatedFiles() {
    var folder = Self.columnsFolder
    folder["features.lineidx"] = "0\n" + Self.lines(Array(Self.columnsFeatures.indices.dropFirst()).map { row in
      String(Self.columnsFeatures[..<row].map { $0.utf8.count + 1 }.reduce(0, +))
    })
    let run = Self.fuzz("features.lineidx", folder: folder, mutated: "features.lineidx")
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 20)
  }

  @Test func vocabularyFilesHoldOnMutatedFiles() {
    let vocab = Vocabulary.specialTokens + ["a", "dog", "##s", "cat", "on", "mat", "frisbee", "##bee"]
    var fuzzer = Fuzzer(name: "vocab.txt", corpus: [Array(Self.lines(vocab).utf8), Array(Self.lines(vocab, "\r\n").utf8)], fileName: "vocab.txt")
    fuzzer.tokens += ["[PAD]", "[UNK]", "[MASK]", "##"]
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 1500), seconds: Fuzzer.timeLimit(default: 2)) { path in
      let vocabulary = try Vocabulary.load(from: path)
      _ = Tokenizer(vocabulary: vocabulary, mode: vocabulary.hasWordPieces ? .wordPiece : .word).encode("a dog on a frisbee mat")
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
  }

  static let karpathy = """
    {"images": [{"filepath": "train2014", "filename": "a.jpg", "split": "train", "sentences": [{"raw": "a dog", "tokens": ["a", "dog"]}]},
     {"filepath": "val2014", "filename": "b.jpg", "split": "restval", "sentences": [{"raw": "two cats"}, {"raw": "cats"}]},
     {"filepath": "val2014", "filename": "c.jpg", "split": "test", "sentences": [{"raw": "a man"}]}]}

    """
  static let albef = """
    [{"image": "train2014/a.jpg", "caption": "a dog on a mat", "image_id": "1"},
     {"image": "val2014/b.jpg", "caption": ["two cats", "cats on a sofa"], "image_id": 2}]

    """

  @Test(arguments: ["coco", "karpathy", "albef"])
  func captionFilesHoldOnMutatedFiles(format: String) {
    let text = ["coco": ConfigurationFuzzTests.captions, "karpathy": Self.karpathy, "albef": Self.albef][format]!
    var fuzzer = Fuzzer(name: "\(format) captions", corpus: [Array(text.utf8)], fileName: "\(format).json")
    fuzzer.tokens += ["\"caption\"", "\"images\"", "\"sentences\"", "\"split\"", "\"image_id\""]
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 1000), seconds: Fuzzer.timeLimit(default: 2)) { path in
      var log = ProblemLog(limit: 100)
      switch format {
      case "coco": _ = try CaptionFiles.coco(path, split: .train, log: &log)
      case "karpathy": _ = try CaptionFiles.karpathy(path, log: &log)
      default: _ = try CaptionFiles.jsonList(path, split: .train, log: &log)
      }
      for problem in log.problems where Fuzzer.isInternal("\(problem)") {
        throw DataError.unrecognizedFormat(path: path, reason: "internal message: \(problem)")
      }
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
  }

  @Test func specialFilesAreRefusedByName() throws {
    let directory = try TemporaryDirectory("region-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("vocab.txt", in: directory.url) { path in
      _ = try Vocabulary.load(from: path)
    } + Fuzzer.checkSpecialFiles("features.tsv", in: directory.url) { path in
      _ = try RegionFeatureFile(path: path, placement: LineIndexPlacement(cacheFolder: nil))
    } + Fuzzer.checkSpecialFiles("labels.tsv", in: directory.url) { path in
      _ = try OscarLabelFile(path: path, imageSizes: nil, placement: LineIndexPlacement(cacheFolder: nil))
    } + Fuzzer.checkSpecialFiles("karpathy", in: directory.url) { path in
      var log = ProblemLog()
      _ = try CaptionFiles.karpathy(path, log: &log)
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }
}
