import Foundation
import Synchronization
import TestSupport
import Testing

@testable import VLP

/// The on-demand Oscar/VinVL reader on both feature encodings, both label forms, the caption
/// files and the scene world's own export.
@Suite struct OscarFolderTests {
  typealias Fixtures = OscarFolderFixtures

  @Test func oscarColumnsFolderReadsCaptionsTagsAndFeatures() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try Fixtures.writeColumns(folder)
    let oscar = try OscarFolder(folder.path)
    #expect(oscar.features.encoding == .columns)
    #expect(oscar.features.dimension == 10 && oscar.features.dimensionLine == 1)
    #expect(oscar.problems.isEmpty)
    // `coco_1` resolves to feature row `1`, as oscar_tsv.py splits the key.
    #expect(oscar.captions.map(\.imageID) == ["1", "2", "1"])
    #expect(oscar.captions.map(\.line) == [1, 2, 3])
    #expect(oscar.imageIDs == ["1", "2"])
    let first = try oscar.regionFeatures(of: "1")
    #expect(first.boxCount == 2 && first.dimension == 10)
    #expect(first.values == Fixtures.values(image: 1, boxes: 2, dimension: 10))
    let empty = try oscar.regionFeatures(of: "3")
    #expect(empty.boxCount == 0 && empty.values.isEmpty)
    let tags = try oscar.tags(of: "1")
    #expect(tags.map(\.className) == ["dog", "mat"] && tags.map(\.confidence) == [0.9, 0.4])
    #expect(try oscar.tags(of: "1", groundTruth: true).map(\.className) == ["dog"])
    // Hard labels: indices in the file's own vocabulary (most frequent first, ties by name).
    let vocabulary = try oscar.labelVocabulary()
    #expect(vocabulary.classes == ["cat", "dog", "mat"])
    let classes = try oscar.regionClasses(of: "1", in: vocabulary)
    #expect(classes.map(\.classIndex) == [1, 2])
    #expect(classes.map(\.rect) == [[0, 10, 100, 60], [20, 20, 200, 100]])
    // Oscar's box geometry from the label rects and image size: x1/w, y1/h, x2/w, y2/h, w, h.
    let inputs = try oscar.regionInputs(of: "1", geometry: .fromLabels)
    #expect(inputs.dimension == 16 && inputs.values.count == 32)
    #expect(Array(inputs.values[0..<10]) == Array(first.values[0..<10]))
    #expect(Array(inputs.values[10..<16]) == [0, 0.1, 0.5, 0.6, 0.5, 0.5])
    #expect(Array(inputs.values[16..<26]) == Array(first.values[10..<20]))
    #expect(Array(inputs.values[26..<32]) == [0.1, 0.2, 1, 1, 0.9, 0.8])
    var log = ProblemLog()
    oscar.validate(log: &log)
    #expect(log.isEmpty, "\(log.problems)")
  }

  @Test func vinvlFolderReadsTheJSONColumnThroughItsYAML() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try Fixtures.writeVinVL(folder)
    // Two yamls and no plain names: the folder alone is ambiguous, and says what to give.
    #expect {
      try OscarFolder(folder.path)
    } throws: { error in
      "\(error)".contains("train.yaml") && "\(error)".contains("several files")
    }
    let vinvl = try OscarFolder(folder.child("train.yaml"))
    #expect(vinvl.files.features == folder.child("train.feature.tsv"))
    #expect(vinvl.files.imageSizes == folder.child("train.hw.tsv"))
    #expect(vinvl.features.encoding == .json)
    #expect(vinvl.features.dimension == Fixtures.vinvlDimension)
    #expect(vinvl.captions.map(\.text) == ["a dog catches a frisbee", "a man", "a dog in a park"])
    #expect(vinvl.captions.map(\.field) == ["[0].caption", "[1].caption", "[2].caption"])
    #expect(vinvl.imageIDs == ["100", "101"])
    let block = try vinvl.regionFeatures(of: "101")
    #expect(block.boxCount == 3 && block.dimension == 2054)
    #expect(block.values == Fixtures.values(image: 101, boxes: 3, dimension: 2054))
    #expect(try vinvl.tags(of: "100").map(\.className) == ["dog", "frisbee"])
    let label = try #require(try vinvl.label(of: "100"))
    #expect(label.imageWidth == 640 && label.imageHeight == 480)
    var log = ProblemLog()
    vinvl.validate(log: &log)
    #expect(log.isEmpty, "\(log.problems)")
    // 3 boxes, 1 label object: geometry cannot come from the labels, and the error says so.
    #expect {
      try vinvl.regionInputs(of: "101", geometry: .fromLabels)
    } throws: { error in
      "\(error)".contains("train.feature.tsv:2: num_boxes: 3 boxes")
    }
  }

  @Test func aVariantCanPointAtAnotherLabelFile() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try Fixtures.writeColumns(folder)
    try folder.write(
      "oi_labels.tsv",
      #"1\#t{"image_h": 100, "image_w": 200, "objects": [{"class": "animal", "conf": 0.7}]}"# + "\n"
    )
    let openImages = try OscarFolder(folder.path, labels: "oi_labels.tsv")
    #expect(try openImages.tags(of: "1").map(\.className) == ["animal"])
    #expect(try openImages.tags(of: "2").isEmpty)
    #expect(try openImages.labelVocabulary().classes == ["animal"])
    #expect(throws: DataError.self) { try OscarFolder(folder.path, labels: "missing.tsv") }
  }

  @Test func theSceneWorldsExportRoundTrips() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let world = try SceneWorldTests.small(pairs: 120)
    try DataExporter.export(world, format: .oscarTSV, to: folder.path, tags: .fine)
    for split in DataSplit.allCases {
      let oscar = try OscarFolder(folder.child(split.rawValue))
      let pairs = world.pairs(in: split)
      #expect(oscar.captions.map(\.text) == pairs.map(\.caption.text))
      #expect(oscar.features.dimension == 70)
      for (caption, pair) in zip(oscar.captions, pairs) {
        #expect(caption.imageID == String(pair.index))
        let block = try oscar.regionFeatures(of: caption.imageID)
        #expect(block.boxCount == pair.regionCount)
        #expect(block.values.map(\.bitPattern) == pair.regionInputs.map(\.bitPattern))
        #expect(try oscar.tags(of: caption.imageID).map(\.className) == pair.tags(.fine))
      }
      var log = ProblemLog()
      oscar.validate(log: &log)
      #expect(log.isEmpty, "\(log.problems)")
    }
  }

  @Test func readsFromTwoThreadsGiveTheSameValues() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let rows = (0..<64).map {
      Fixtures.columnsRow(
        String($0), boxes: 1 + $0 % 5, Fixtures.values(image: $0, boxes: 1 + $0 % 5, dimension: 37))
    }
    try folder.write("features.tsv", rows.joined(separator: "\n") + "\n")
    let file = try RegionFeatureFile(path: folder.child("features.tsv"))
    let expected = try (0..<64).map { try file.read(row: $0).values }
    let reads = Mutex(0)
    let mismatches = Mutex(0)
    // The two threads walk the rows in opposite orders, many times over, on one open file.
    DispatchQueue.concurrentPerform(iterations: 2) { thread in
      var count = 0
      var wrong = 0
      for _ in 0..<20 {
        for step in 0..<64 {
          let row = thread == 0 ? step : 63 - step
          if (try? file.read(row: row).values) != expected[row] { wrong += 1 }
          count += 1
        }
      }
      reads.withLock { $0 += count }
      mismatches.withLock { $0 += wrong }
    }
    #expect(reads.withLock { $0 } == 2 * 20 * 64)
    #expect(mismatches.withLock { $0 } == 0)
    #expect(expected[5] == Fixtures.values(image: 5, boxes: 1, dimension: 37))
  }
}
