import Foundation
import TestSupport
import Testing

@testable import VLP

/// Every kind of bad input of an Oscar/VinVL folder: listed by `validate` with file, line, field
/// and reason, and thrown by the read that meets it (so a trainer can refuse or skip).
@Suite struct OscarFolderProblemTests {
  typealias Fixtures = OscarFolderFixtures

  struct Case: Sendable, CustomStringConvertible {
    var description: String
    /// `file:line: field: reason` as printed, the folder's path left out.
    var problem: String
    var features = OscarFolderFixtures.columnsFeatures
    var labels = OscarFolderFixtures.columnsLabels
    var corpus = OscarFolderFixtures.columnsCorpus
    /// The read that meets it: features or labels of this image id.
    var read: (kind: String, imageID: String)?
  }

  static func replacing(_ rows: [String], _ index: Int, _ row: String) -> [String] {
    var rows = rows
    rows[index] = row
    return rows
  }

  static let cases: [Case] = [
    Case(
      description: "a row whose box count disagrees with its bytes",
      problem:
        "features.tsv:2: num_boxes: num_boxes is 3, so 3 x 10 = 30 floats are expected (D = 10, from line 1); found 10",
      features: replacing(
        Fixtures.columnsFeatures, 1,
        Fixtures.columnsRow("2", boxes: 3, Fixtures.values(image: 2, boxes: 1, dimension: 10))),
      read: ("features", "2")),
    Case(
      // Fuzz seed 473: num_boxes x D overflowed Int and trapped instead of refusing the row.
      description: "a box count so large its float count overflows",
      problem:
        "features.tsv:2: num_boxes: num_boxes is 9223372036854775807, so 9223372036854775807 x 10 = more than 9223372036854775807 floats are expected (D = 10, from line 1); found 10",
      features: replacing(
        Fixtures.columnsFeatures, 1,
        Fixtures.columnsRow("2", boxes: Int.max, Fixtures.values(image: 2, boxes: 1, dimension: 10))),
      read: ("features", "2")),
    Case(
      description: "an inconsistent feature dimension",
      problem:
        "features.tsv:2: features: 2 boxes of 11 floats, but the file's feature dimension is 10 (line 1)",
      features: replacing(
        Fixtures.columnsFeatures, 1,
        Fixtures.columnsRow("2", boxes: 2, Fixtures.values(image: 2, boxes: 2, dimension: 11))),
      read: ("features", "2")),
    Case(
      description: "NaN features",
      problem: "features.tsv:1: features: box 1, value 2 is nan; features must be finite",
      features: replacing(
        Fixtures.columnsFeatures, 0,
        Fixtures.columnsRow("1", boxes: 2, (0..<20).map { $0 == 12 ? .nan : Float($0) })),
      read: ("features", "1")),
    Case(
      description: "bad base64",
      problem: "features.tsv:2: features: not valid base64 (character 3 of the column)",
      features: replacing(Fixtures.columnsFeatures, 1, "2\t1\tAB$DAAAAAAAAAAAAAAAAAAAA"),
      read: ("features", "2")),
    Case(
      description: "a repeated image id",
      problem: "features.tsv:4: image_id: image id '1' repeats line 1; the first row is used",
      features: Fixtures.columnsFeatures + [Fixtures.columnsFeatures[0]]),
    Case(
      description: "a caption for an unknown image id",
      problem: "corpus.tsv:4: img_key: 'coco_77': unknown image id: no row in features.tsv",
      corpus: Fixtures.columnsCorpus + ["coco_77\tcoco_77\ta bird"]),
    Case(
      description: "an empty caption",
      problem: "corpus.tsv:2: caption: empty caption",
      corpus: replacing(Fixtures.columnsCorpus, 1, "coco_2\tcoco_2\t  ")),
    Case(
      description: "an empty corpus",
      problem: "corpus.tsv: no usable captions (empty corpus)",
      corpus: []),
    Case(
      description: "a negative box coordinate",
      problem: "predictions_gt.tsv:2: objects[0].rect: coordinate -5.0 is negative",
      labels: replacing(
        Fixtures.columnsLabels, 1,
        #"2\#t{"image_h": 50, "image_w": 50, "objects": [{"class": "cat", "conf": 0.75, "rect": [-5, 5, 45, 45]}]}"#
      ),
      read: ("labels", "2")),
    Case(
      description: "a confidence outside 0...1",
      problem: "predictions_gt.tsv:2: objects[0].conf: 1.5 is outside 0...1",
      labels: replacing(
        Fixtures.columnsLabels, 1,
        #"2\#t{"image_h": 50, "image_w": 50, "objects": [{"class": "cat", "conf": 1.5}]}"#),
      read: ("labels", "2")),
  ]

  @Test(arguments: cases)
  func eachProblemIsListedWithFileLineAndThrownByItsRead(_ badCase: Case) throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try Fixtures.writeColumns(
      folder, features: badCase.features, labels: badCase.labels, corpus: badCase.corpus)
    let oscar = try OscarFolder(folder.path)
    var log = ProblemLog()
    oscar.validate(log: &log)
    let expected = folder.path + "/" + badCase.problem
    #expect(log.problems.contains { $0.description.hasPrefix(expected) }, "\(log.problems)")
    #expect(log.total == 1, "\(log.problems)")
    if let (kind, imageID) = badCase.read {
      #expect {
        if kind == "features" {
          _ = try oscar.regionFeatures(of: imageID)
        } else {
          _ = try oscar.tags(of: imageID)
        }
      } throws: { error in
        "\(error)".contains(expected)
      }
    }
    // `vlp data inspect` lists a problem at the same place (for this layout, the export's, in
    // the words of the whole-file reader).
    let place = expected.prefix { $0 != " " }
    let inspection = try DataInspector.inspect(folder.path, maximumProblems: 50)
    #expect(
      inspection.problems.contains { $0.description.hasPrefix(place) }, "\(inspection.problems)")
  }

  /// Fuzz seed 2243: rows that claim boxes but hold no floats voted for a dimension of 0, and
  /// checking a row then divided by it (a trap). Now they set no dimension and are refused.
  @Test func rowsWithBoxesButNoFloatsSetNoDimension() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try Fixtures.writeColumns(folder, features: ["1\t4\t", "2\t4\t", "3\t0\t"])
    let oscar = try OscarFolder(folder.path)
    var log = ProblemLog()
    oscar.validate(log: &log)
    #expect(
      log.problems.map { $0.description.replacingOccurrences(of: folder.path + "/", with: "") }.prefix(2) == [
        "features.tsv:1: num_boxes: no row among the first 16 has a box to set D",
        "features.tsv:2: num_boxes: no row among the first 16 has a box to set D",
      ], "\(log.problems)")
    #expect(throws: DataError.self) { try oscar.regionFeatures(of: "1") }
  }

  @Test func aVinVLRowWhoseBoxCountDisagreesIsReportedToo() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let d = Fixtures.vinvlDimension
    try Fixtures.writeVinVL(
      folder,
      features: [
        Fixtures.jsonRow("100", boxes: 2, Fixtures.values(image: 100, boxes: 2, dimension: d)),
        Fixtures.jsonRow("101", boxes: 4, Fixtures.values(image: 101, boxes: 3, dimension: d)),
      ])
    let vinvl = try OscarFolder(folder.child("train.yaml"))
    var log = ProblemLog()
    vinvl.validate(log: &log)
    #expect(
      log.problems.map(\.description) == [
        folder.child("train.feature.tsv")
          + ":2: num_boxes: num_boxes is 4, so 4 x 2054 = 8216 floats are expected (D = 2054, from line 1); found 6162"
      ])
    #expect(throws: DataError.self) { try vinvl.regionFeatures(of: "101") }
    #expect(try vinvl.regionFeatures(of: "100").boxCount == 2)
  }

  @Test func captionJSONAndImageIndexProblemsNameTheirJSONPath() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try Fixtures.writeVinVL(folder)
    try folder.write(
      "train_caption.json",
      #"[{"image_id": "100", "caption": "a dog"}, {"image_id": 7, "caption": "a man"}]"#)
    try folder.write("imageid2idx.json", #"{"100": 0, "101": 5}"#)
    let vinvl = try OscarFolder(folder.child("train.yaml"))
    var log = ProblemLog()
    vinvl.validate(log: &log)
    #expect(
      log.problems.map(\.description) == [
        folder.child("train_caption.json")
          + ": [1].image_id: '7': unknown image id: no row in train.feature.tsv; "
          + "remove the caption or add the image's features",
        folder.child("imageid2idx.json")
          + ": 101: says row 5, but train.feature.tsv has row 1 for this image",
      ])
  }

  @Test func aFolderWithoutFeaturesOrCaptionsNamesWhatIsMissing() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("corpus.tsv", "1\t1\ta dog\n")
    #expect {
      try OscarFolder(folder.path)
    } throws: { error in
      "\(error)".contains("features.tsv: no such file or folder")
        && "\(error)".contains("features.tsv, feature.tsv, *.feature.tsv")
    }
  }
}
