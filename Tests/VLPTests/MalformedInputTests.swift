import Foundation
import Testing
import TestSupport

@testable import VLP

/// Each kind of bad input, in a fixture the test writes: reported with file, line and reason by
/// the reader, listed by `inspect`, refused by `load`.
@Suite struct MalformedInputTests {
  /// A valid Oscar folder with D = 2 (rows of 8 floats): two images, two captions.
  static let corpus = ["img1\timg1\ta red circle", "img2\timg2\ta blue box above a green star"]
  static let labels = [
    #"img1\#t{"image_h": 32, "image_w": 32, "objects": [{"class": "red circle", "conf": 0.9, "rect": [1, 2, 9, 10]}]}"#,
    #"img2\#t{"objects": [{"class": "blue square", "conf": 0.8}, {"class": "green star"}], "gt_objects": []}"#,
  ]
  static let features = [
    "img1\t1\t" + FeatureCodec.encode([0.5, -1, 0.1, 0.2, 0.3, 0.4, 0.2, 0.2]),
    "img2\t2\t"
      + FeatureCodec.encode([1, 2, 0, 0, 0.5, 0.5, 0.5, 0.5, 3, 4, 0.5, 0.5, 1, 1, 0.5, 0.5]),
  ]

  static func writeOscar(
    _ folder: TemporaryDirectory, corpus: [String] = corpus, labels: [String] = labels,
    features: [String] = features
  ) throws {
    try folder.write("corpus.tsv", corpus.joined(separator: "\n") + "\n")
    try folder.write("predictions.tsv", labels.joined(separator: "\n") + "\n")
    try folder.write("features.tsv", features.joined(separator: "\n") + "\n")
  }

  static func problems(in folder: TemporaryDirectory) throws -> [DataProblem] {
    var log = ProblemLog()
    _ = try OscarDataset.read(folder: folder.path, log: &log)
    return log.problems
  }

  @Test func theValidFixtureLoads() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try MalformedInputTests.writeOscar(folder)
    let dataset = try OscarDataset.load(folder: folder.path)
    #expect(dataset.corpus.count == 2 && dataset.featureDimension == 2)
    #expect(dataset.tags(of: dataset.corpus[1]) == ["blue square", "green star"])
    #expect(dataset.labels["img1"]?.objects.first?.rect == [1, 2, 9, 10])
  }

  struct Case: Sendable, CustomStringConvertible {
    var description: String
    var file: String
    var line: Int?
    var reason: String
    var corpus = MalformedInputTests.corpus
    var labels = MalformedInputTests.labels
    var features = MalformedInputTests.features
  }

  static let cases: [Case] = [
    Case(
      description: "corpus line without tabs", file: "corpus.tsv", line: 2,
      reason: "expected 3 tab-separated columns",
      corpus: [corpus[0], "img2 img2 a blue box"]),
    Case(
      description: "label JSON cut short", file: "predictions.tsv", line: 1, reason: "invalid JSON",
      labels: [#"img1\#t{"objects": [{"class": "red circle""#, labels[1]]),
    Case(
      description: "label object without class", file: "predictions.tsv", line: 2,
      reason: "objects[0]: expected an object with a non-empty 'class' string",
      labels: [labels[0], #"img2\#t{"objects": [{"conf": 0.8}]}"#]),
    Case(
      description: "feature row with two columns", file: "features.tsv", line: 2,
      reason: "expected 3 tab-separated columns",
      features: [features[0], "img2\t2"]),
    Case(
      description: "bad base64", file: "features.tsv", line: 2,
      reason: "features: not valid base64",
      features: [features[0], "img2\t2\tnot*base64!"]),
    Case(
      description: "num_boxes that is not a count", file: "features.tsv", line: 2,
      reason: "num_boxes: 'two' is not a count",
      features: [
        features[0], "img2\ttwo\t" + FeatureCodec.encode([Float](repeating: 0, count: 16)),
      ]),
    Case(
      description: "feature count not matching num_boxes", file: "features.tsv", line: 2,
      reason:
        "num_boxes is 3, so 3 x 8 = 24 floats are expected (D = 8, from line 1); found 16",
      features: [features[0], "img2\t3\t" + FeatureCodec.encode([Float](repeating: 0, count: 16))]),
    Case(
      description: "bytes that are not whole floats", file: "features.tsv", line: 2,
      reason: "decodes to 6 bytes, not a whole number of float32 values",
      features: [features[0], "img2\t2\t" + Data([1, 2, 3, 4, 5, 6]).base64EncodedString()]),
    Case(
      description: "NaN feature", file: "features.tsv", line: 2,
      reason: "box 1, value 2 is nan; features must be finite",
      features: [
        features[0],
        "img2\t2\t"
          + FeatureCodec.encode([1, 2, 0, 0, 0.5, 0.5, 0.5, 0.5, 3, 4, .nan, 0.5, 1, 1, 0.5, 0.5]),
      ]),
    Case(
      description: "infinite feature", file: "features.tsv", line: 1,
      reason: "box 0, value 0 is inf; features must be finite",
      features: [
        "img1\t1\t" + FeatureCodec.encode([.infinity, -1, 0.1, 0.2, 0.3, 0.4, 0.2, 0.2]),
        features[1],
      ]),
    Case(
      description: "unknown image id", file: "corpus.tsv", line: 2,
      reason: "img_key: 'img9': unknown image id: no row in features.tsv",
      corpus: [corpus[0], "img9\timg2\ta blue box"]),
    Case(
      description: "caption of an image whose feature row is broken", file: "corpus.tsv", line: 2,
      reason: "img_key: 'img2': its row in features.tsv (line 2) is broken",
      features: [features[0], "img2\t2\tnot*base64!"]),
    Case(
      description: "unknown label key", file: "corpus.tsv", line: 2,
      reason: "label_key: 'img7': unknown label key: no row in predictions.tsv",
      corpus: [corpus[0], "img2\timg7\ta blue box"]),
    Case(
      description: "repeated image id", file: "features.tsv", line: 2,
      reason: "image id 'img1' repeats line 1",
      features: [features[0], features[0]]),
  ]

  @Test(arguments: cases)
  func eachMalformedOscarInputIsReportedWithFileLineAndReason(_ badCase: Case) throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try MalformedInputTests.writeOscar(
      folder, corpus: badCase.corpus, labels: badCase.labels, features: badCase.features)
    let problems = try MalformedInputTests.problems(in: folder)
    let match = problems.first { $0.file == folder.child(badCase.file) && $0.line == badCase.line }
    #expect(match?.description.contains(badCase.reason) == true, "\(problems)")
    #expect(throws: DataError.self) { try OscarDataset.load(folder: folder.path) }
    let inspection = try DataInspector.inspect(folder.path)
    #expect(inspection.totalProblems >= 1 && inspection.report.contains(badCase.reason))
  }

  @Test func missingFilesAreEachReported() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("corpus.tsv", MalformedInputTests.corpus.joined(separator: "\n"))
    let problems = try MalformedInputTests.problems(in: folder)
    #expect(problems.count == 2)
    #expect(
      problems.contains {
        $0.file == folder.child("features.tsv") && $0.reason.hasPrefix("missing")
      })
    #expect(
      problems.contains {
        $0.file == folder.child("predictions_gt.tsv") && $0.reason.hasPrefix("missing")
      })
    #expect(
      throws: DataError.missingFile(
        path: folder.child("nowhere"),
        hint: "give a data folder (an export, a COCO or Oscar folder) or a file")
    ) {
      try DataInspector.inspect(folder.child("nowhere"))
    }
    var log = ProblemLog()
    #expect(throws: DataError.self) {
      try OscarDataset.read(folder: folder.child("nowhere"), log: &log)
    }
    #expect(throws: DataError.self) {
      try COCOCaptions.read(from: folder.child("captions_train.json"), log: &log)
    }
  }

  @Test func inspectListsEveryProblemUpToTheLimitAndLoadRefuses() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let corpus = (0..<30).map { "img\($0)\timg\($0)\tcaption \($0)" }
    try MalformedInputTests.writeOscar(folder, corpus: corpus)
    let inspection = try DataInspector.inspect(folder.path, maximumProblems: 5)
    #expect(inspection.totalProblems == 28)  // all but img1 and img2 are unknown
    #expect(inspection.problems.count == 5)
    #expect(inspection.report.contains("... and 23 more"))
    do {
      _ = try OscarDataset.load(folder: folder.path)
      Issue.record("a broken data set loaded")
    } catch DataError.invalidData(let problems, let total) {
      #expect(total == 28 && problems.first?.line == 1)
    }
  }

  @Test func imageIndexMustAgreeWithTheFeatureRows() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try MalformedInputTests.writeOscar(folder)
    try folder.write("imageid2idx.json", #"{"img1": 0, "img2": 5}"#)
    let problems = try MalformedInputTests.problems(in: folder)
    #expect(
      problems.map(\.description) == [
        "\(folder.child("imageid2idx.json")): img2: says row 5, but features.tsv has row 1 for this image"
      ])
  }

  @Test func malformedCOCOEntriesAreListedByJSONPath() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write(
      "captions_train.json",
      """
      {"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2}],
       "annotations": [
         {"id": 10, "image_id": 1, "caption": "a red circle"},
         {"id": 11, "image_id": 99, "caption": "a blue box"},
         {"id": 12, "image_id": 1},
         {"id": 13, "image_id": true, "caption": "x"}
       ]}
      """)
    var log = ProblemLog()
    let captions = try COCOCaptions.read(from: folder.child("captions_train.json"), log: &log)
    #expect(captions.annotations.map(\.id) == [10])
    let fields = log.problems.map(\.field)
    #expect(
      fields == [
        "images[1].file_name", "annotations[1].image_id", "annotations[2].caption",
        "annotations[3].image_id",
      ])
    #expect(log.problems[1].reason.contains("unknown image id 99"))
    #expect(throws: DataError.self) {
      try COCOCaptions.load(from: folder.child("captions_train.json"))
    }
  }

  @Test func invalidJSONIsLocatedByLine() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("captions_val.json", "{\n  \"images\": [],\n  \"annotations\": [,]\n}\n")
    var log = ProblemLog()
    _ = try COCOCaptions.read(from: folder.child("captions_val.json"), log: &log)
    #expect(log.problems.count == 1)
    #expect(log.problems.first?.line == 3, "\(log.problems)")
    try folder.write("captions_test.json", #"{"images": []}"#)
    log = ProblemLog()
    _ = try COCOCaptions.read(from: folder.child("captions_test.json"), log: &log)
    #expect(log.problems.first?.field == "annotations")
  }

  @Test func unrecognizedFoldersSayWhatWasExpected() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("readme.md", "nothing here")
    #expect(throws: DataError.self) { try DataInspector.inspect(folder.path) }
    #expect(throws: DataError.self) { try DataInspector.inspect(folder.child("readme.md")) }
  }

  @Test func invalidUTF8IsReportedWithItsLine() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try MalformedInputTests.writeOscar(folder)
    var bytes = Array((MalformedInputTests.corpus.joined(separator: "\n") + "\n").utf8)
    bytes.insert(0xFF, at: bytes.count - 3)
    try Data(bytes).write(to: URL(fileURLWithPath: folder.child("corpus.tsv")))
    #expect(
      throws: DataError.invalidData(
        problems: [
          DataProblem(file: folder.child("corpus.tsv"), line: 2, reason: "not valid UTF-8 text")
        ], total: 1)
    ) {
      try OscarDataset.load(folder: folder.path)
    }
  }
}
