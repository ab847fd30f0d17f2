import Foundation
import TestSupport
import Testing

@testable import VLP

/// Caption files fuzzed through `CorpusLoader`, the path training takes (files checked, captions
/// read, every image located, the image cache built, the tokenizer made), not only through the
/// `CaptionFiles` readers: no crash, no hang, no internal message (issue 22).
@Suite struct CorpusLoaderFuzzTests {
  /// A small exported world with JPEG images; the valid train and test files of `source`.
  static func dataSet(_ folder: TemporaryDirectory, source: String) throws -> (train: String, test: String) {
    var world = SceneWorldConfiguration()
    world.pairCount = 24
    world.imageSize = 16
    try DataExporter.export(
      try SceneWorld(configuration: world), format: .cocoJSON, to: folder.child("data"),
      images: true, imageFormat: .jpeg)
    let train = folder.child("data/annotations/captions_train.json")
    let test = folder.child("data/annotations/captions_test.json")
    guard source == "json" else { return (train, test) }
    // ALBEF's list of the same pairs: [{"image": file name, "caption": text}].
    func list(_ path: String, _ split: DataSplit) throws -> String {
      var log = ProblemLog()
      let records = try CaptionFiles.coco(path, split: split, log: &log)
      let entries = records.map { #"{"image": "\#($0.image)", "caption": "\#($0.caption)"}"# }
      return "[" + entries.joined(separator: ",\n") + "]\n"
    }
    return (
      try folder.write("train.json", try list(train, .train)).path,
      try folder.write("test.json", try list(test, .test)).path
    )
  }

  @Test(arguments: ["coco", "json"])
  func captionFilesHoldOnMutatedFilesThroughTheLoader(source: String) throws {
    let folder = try TemporaryDirectory("corpus-fuzz")
    defer { folder.remove() }
    let (train, test) = try Self.dataSet(folder, source: source)
    var fuzzer = Fuzzer(
      name: "\(source) captions via CorpusLoader", corpus: [Array(try Data(contentsOf: URL(fileURLWithPath: train)))],
      fileName: "train.json")
    fuzzer.tokens += ["\"caption\"", "\"image\"", "\"images\"", "\"image_id\"", "\"file_name\""]
    let images = folder.child("data/images")
    let base = folder.path
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 300), seconds: Fuzzer.timeLimit(default: 4)) { path in
      var data = DataConfiguration()
      data.source = source == "coco" ? .coco : .json
      data.images = images
      data.train = path
      data.test = test
      data.baseFolder = base
      _ = try CorpusLoader.load(data, imageSize: 16)
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun > 5, "the loader ran on \(run.casesRun) inputs only")
  }
}
