import Foundation
import TestSupport
import Tensor
import Testing

@testable import VLP

/// The `data` section's sources: strict keys per source, paths relative to the session folder,
/// and the caption readers' problems located by file and JSON path.
@Suite struct DataSourceTests {
  static func decode(_ data: String) throws -> PretrainingConfiguration {
    try PretrainingConfiguration.decode(Data("{\"data\": \(data)}".utf8))
  }

  static func error(_ data: String) -> String {
    do {
      _ = try decode(data)
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test func eachSourceDecodesItsKeys() throws {
    let coco = try Self.decode(
      #"{"source": "coco", "images": "img", "train": "a.json", "test": "b.json", "val": "c.json", "skipInvalid": true, "fit": "pad", "augmentation": true}"#
    ).data
    #expect(coco.source == .coco && coco.images == "img" && coco.val == "c.json")
    #expect(coco.skipInvalid && coco.fit == .pad && coco.augmentation)
    let karpathy = try Self.decode(#"{"source": "karpathy", "images": "i", "file": "d.json"}"#).data
    #expect(karpathy.file == "d.json" && !karpathy.skipInvalid && karpathy.fit == .crop)
    let list = try Self.decode(#"{"source": "json", "images": "i", "train": "t", "test": "u"}"#).data
    #expect(list.source == .json)
    let oscar = try Self.decode(
      #"{"source": "oscar-tsv", "train": "tr", "test": "te", "labels": "predictions_vg.tsv"}"#
    ).data
    #expect(oscar.source == .oscarTSV && oscar.labels == "predictions_vg.tsv")
    #expect(try Self.decode(#"{"tags": "coarse"}"#).data.source == .world)
  }

  @Test func badKeysAreErrorsNamingTheKey() {
    #expect(Self.error(#"{"source": "coco", "images": "i", "train": "t", "test": "u", "file": "f"}"#)
      .contains("'data.file': not a key of data.source \"coco\""))
    #expect(Self.error(#"{"source": "coco", "images": "i", "test": "u"}"#).contains("'data.train'"))
    #expect(Self.error(#"{"source": "karpathy", "images": "i"}"#).contains("'data.file'"))
    #expect(Self.error(#"{"source": "flickr"}"#).contains("expected one of world, coco"))
    #expect(Self.error(#"{"source": "json", "images": "i", "train": 3, "test": "u"}"#)
      .contains("'data.train': expected a string"))
    #expect(Self.error(#"{"source": "json", "images": "i", "train": "t", "test": "u", "skipInvalid": "yes"}"#)
      .contains("'data.skipInvalid': expected true or false"))
    #expect(Self.error(#"{"source": "coco", "images": "", "train": "t", "test": "u"}"#)
      .contains("'data.images': expected a path"))
    #expect(Self.error(#"{"source": "coco", "images": "i", "train": "t", "test": "u", "world": {}}"#)
      .contains("'data.world'"))
    #expect(Self.error(#"{"path": "x"}"#).contains("unknown key 'data.path'"))
  }

  /// A world session writes what it wrote before sources existed (checkpoints store it).
  @Test func worldConfigurationEncodesAsBefore() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let text = String(decoding: try encoder.encode(DataConfiguration()), as: UTF8.self)
    #expect(text.hasPrefix(#"{"tags":"fine","world":{"#))
    let coco = try Self.decode(#"{"source": "coco", "images": "i", "train": "t", "test": "u"}"#).data
    let round = try JSONDecoder().decode(DataConfiguration.self, from: encoder.encode(coco))
    #expect(round == coco)
  }

  @Test func pathsAreRelativeToTheSessionFolder() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    try directory.write(
      "s/session.json",
      #"{"data": {"source": "coco", "images": "data/images", "train": "/abs/t.json", "test": "u.json"}}"#)
    let definition = try SessionDefinition(contentsOf: directory.file("s/session.json"))
    let data = definition.variants[0].configuration.data
    #expect(data.path(.images) == directory.child("s/data/images"))
    #expect(data.path(.train) == "/abs/t.json")
  }

  @Test func aMissingFileNamesItsKeyAndTheLayout() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    var data = try Self.decode(#"{"source": "coco", "images": "images", "train": "t.json", "test": "u.json"}"#).data
    data.baseFolder = directory.path
    try FileManager.default.createDirectory(atPath: directory.child("images"), withIntermediateDirectories: true)
    #expect(throws: DataError.missingFile(
      path: directory.child("t.json"),
      hint: "data.train names it; put the COCO captions file there (the layout of data.source \"coco\" is in docs/data.md)")
    ) { try CorpusLoader.checkFiles(data) }
    try directory.write("t.json", "{}")
    try directory.write("u.json", "{}")
    try CorpusLoader.checkFiles(data)
    try FileManager.default.removeItem(atPath: directory.child("images"))
    try directory.write("images", "not a folder")
    #expect(throws: DataError.invalidConfiguration(
      field: "data.images", reason: "\(directory.child("images")) is a file, expected a folder")
    ) { try CorpusLoader.checkFiles(data) }
  }

  static func problems(_ read: (inout ProblemLog) throws -> [CaptionRecord]) throws
    -> (records: [CaptionRecord], problems: [String])
  {
    var log = ProblemLog()
    let records = try read(&log)
    return (records, log.problems.map(\.description))
  }

  @Test func jsonListsTakeACaptionOrAList() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    let file = try directory.write(
      "train.json",
      #"[{"image": "a.jpg", "caption": "a dog"}, {"image": "b.jpg", "caption": ["one", "two"], "image_id": 4}, {"image": "c.jpg", "caption": " "}, {"image": "d.jpg"}, {"caption": "x"}, {"image": "e.jpg", "caption": 5}, {"image": "f.jpg", "caption": []}]"#
    ).path
    let (records, problems) = try Self.problems { try CaptionFiles.jsonList(file, split: .train, log: &$0) }
    #expect(records.map(\.caption) == ["a dog", "one", "two"])
    #expect(records.map(\.image) == ["a.jpg", "b.jpg", "b.jpg"])
    #expect(problems == [
      "\(file): [2].caption: empty caption", "\(file): [3].caption: missing",
      "\(file): [4].image: missing or not a path", "\(file): [5].caption: expected a string",
      "\(file): [6].caption: empty list of captions",
    ])
  }

  @Test func karpathyMapsSplitsAndSentences() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    let file = try directory.write(
      "dataset_coco.json",
      #"{"images": [{"filepath": "val2014", "filename": "a.jpg", "split": "restval", "sentences": [{"raw": "A cat."}, {"raw": ""}]}, {"filepath": "val2014", "filename": "b.jpg", "split": "test", "sentences": [{"raw": "A dog."}]}, {"filename": "c.jpg", "split": "dev", "sentences": [{"raw": "x"}]}]}"#
    ).path
    let (records, problems) = try Self.problems { try CaptionFiles.karpathy(file, log: &$0) }
    #expect(records.map(\.image) == ["val2014/a.jpg", "val2014/b.jpg"])
    #expect(records.map(\.split) == [.train, .test])
    #expect(problems == [
      "\(file): images[0].sentences[1].raw: empty caption",
      "\(file): images[2].split: expected train, restval, val or test",
    ])
  }

  @Test func cocoCaptionsReportUnknownImageIDs() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    let file = try directory.write(
      "captions.json",
      #"{"images": [{"id": 1, "file_name": "sub/a.jpg"}], "annotations": [{"id": 1, "image_id": 1, "caption": "a cat"}, {"id": 2, "image_id": 9, "caption": "lost"}]}"#
    ).path
    let (records, problems) = try Self.problems { try CaptionFiles.coco(file, split: .test, log: &$0) }
    #expect(records == [
      CaptionRecord(image: "sub/a.jpg", caption: "a cat", split: .test, origin: "\(file): images[0].file_name")
    ])
    #expect(problems.count == 1 && problems[0].contains("annotations[1].image_id: unknown image id 9"))
  }

  /// `vlp data inspect` tells the caption formats apart and reports the loader's problems.
  @Test func inspectReadsKarpathyFilesAndJSONLists() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    let list = try directory.write(
      "train.json", #"[{"image": "a.jpg", "caption": ["x", "y"]}, {"image": "b.jpg", "caption": ""}]"#)
    let listInspection = try DataInspector.inspect(list.path)
    #expect(listInspection.format.hasPrefix("json"))
    #expect(listInspection.parts.map(\.pairs) == [2] && listInspection.parts.map(\.images) == [1])
    #expect(listInspection.totalProblems == 1)
    let karpathy = try directory.write(
      "dataset_coco.json",
      #"{"images": [{"filename": "a.jpg", "split": "train", "sentences": [{"raw": "a"}]}, {"filename": "b.jpg", "split": "test", "sentences": [{"raw": "b"}, {"raw": "c"}]}]}"#)
    let karpathyInspection = try DataInspector.inspect(karpathy.path)
    #expect(karpathyInspection.format.hasPrefix("karpathy"))
    #expect(karpathyInspection.parts.map(\.name) == ["train", "test"])
    #expect(karpathyInspection.totalProblems == 0 && karpathyInspection.pairCount == 3)
  }

  /// Every image is checked before anything is decoded: a missing one refuses the data, naming
  /// the image and the entry that names it.
  @Test func missingImagesAreFoundUpFront() throws {
    let directory = try TemporaryDirectory("sources")
    defer { directory.remove() }
    try directory.write("images/a.jpg", "x")
    try directory.write("train.json", #"[{"image": "a.jpg", "caption": "one"}, {"image": "gone.jpg", "caption": "two"}]"#)
    try directory.write("test.json", #"[{"image": "a.jpg", "caption": "three"}]"#)
    var data = try Self.decode(#"{"source": "json", "images": "images", "train": "train.json", "test": "test.json"}"#).data
    data.baseFolder = directory.path
    #expect(throws: DataError.invalidData(
      problems: [
        DataProblem(
          file: directory.child("images/gone.jpg"),
          reason: "missing image (named by \(directory.child("train.json")): [1].image)")
      ], total: 1)
    ) { _ = try CorpusLoader.load(data, imageSize: 16) }
  }

  /// The committed real-data sessions decode without their data, and opening one says where
  /// the files go.
  @Test func realDataSessionsSayWhereTheirDataGoes() throws {
    for name in ["coco-albef", "oscar-vinvl"] {
      let configuration = try CommittedSessionTests.definition(name).variants[0].configuration
      do {
        _ = try PretrainingData(configuration: configuration)
        Issue.record("\(name) opened without its data")
      } catch {
        #expect("\(error)".contains("sessions/\(name)/data/"), "\(error)")
        #expect("\(error)".contains("docs/data.md"), "\(error)")
      }
    }
  }

  /// An image-caption corpus cannot feed region models or CMCL: refused at load, naming the key.
  @Test func objectivesTheSourceCannotFeedAreRefused() throws {
    let corpus = CaptionCorpus(
      source: .coco,
      records: [CaptionRecord(image: "a", caption: "a cat", split: .train, origin: "")],
      imagePaths: ["/a"], imageOfPair: [0], images: NoImages())
    var configuration = PretrainingConfiguration()
    try ObjectiveRequirements.check(configuration, corpus: corpus)
    configuration.model.family = .oscar
    #expect(throws: DataError.self) { try ObjectiveRequirements.check(configuration, corpus: corpus) }
    configuration = PretrainingConfiguration()
    configuration.objectives.cmcl = 1
    do {
      try ObjectiveRequirements.check(configuration, corpus: corpus)
      Issue.record("CMCL on COCO was accepted")
    } catch {
      #expect("\(error)".contains("'objectives.cmcl'") && "\(error)".contains("\"coco\""))
    }
  }
}

/// A caption corpus's images for tests that never read them.
struct NoImages: CorpusImages {
  var count: Int { 0 }
  func image(_ index: Int, size: Int, augmentation: inout RandomGenerator?) throws -> SceneImage {
    SceneImage(width: size, height: size, pixels: [Float](repeating: 0, count: size * size * 3))
  }
}
