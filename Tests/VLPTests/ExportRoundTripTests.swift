import Foundation
import Testing
import TestSupport

@testable import VLP

@Suite struct ExportRoundTripTests {
  @Test(arguments: DataFormat.allCases)
  func sameSeedGivesByteIdenticalExports(format: DataFormat) throws {
    let first = try TemporaryDirectory()
    let second = try TemporaryDirectory()
    let other = try TemporaryDirectory()
    defer { for folder in [first, second, other] { folder.remove() } }
    try DataExporter.export(
      try SceneWorldTests.small(pairs: 150), format: format, to: first.path,
      images: format == .cocoJSON)
    try DataExporter.export(
      try SceneWorldTests.small(pairs: 150), format: format, to: second.path,
      images: format == .cocoJSON)
    try DataExporter.export(
      try SceneWorldTests.small(seed: 9, pairs: 150), format: format, to: other.path,
      images: format == .cocoJSON)
    let a = try first.contents()
    let b = try second.contents()
    let c = try other.contents()
    #expect(a.count > 5 && a == b)
    // Another seed puts other images in each split; every shared file but vocab.txt (the
    // world's lexicon, the same for every seed) differs.
    let shared = a.keys.filter { !$0.hasPrefix("images/") }
    #expect(Set(shared) == Set(c.keys.filter { !$0.hasPrefix("images/") }))
    #expect(shared.filter { a[$0] == c[$0] } == ["vocab.txt"])
  }

  @Test func cocoExportReadsBackAsTheSamePairs() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let world = try SceneWorldTests.small(pairs: 200)
    try DataExporter.export(world, format: .cocoJSON, to: folder.path, images: true)
    for split in DataSplit.allCases {
      let captions = try COCOCaptions.load(
        from: folder.child("annotations/captions_\(split.rawValue).json"))
      let pairs = world.pairs(in: split)
      #expect(captions.images.map(\.id) == pairs.map(\.index))
      #expect(captions.annotations.map(\.caption) == pairs.map(\.caption.text))
      #expect(captions.annotations.map(\.imageID) == pairs.map(\.index))
      for image in captions.images {
        let png = try folder.read("images/\(split.rawValue)/\(image.fileName)")
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
      }
    }
    let inspection = try DataInspector.inspect(folder.path)
    #expect(
      inspection.totalProblems == 0 && inspection.pairCount == 200 && inspection.imageCount == 200)
    #expect(inspection.vocabulary?.contains("\(world.vocabulary().count) tokens") == true)
  }

  /// Inspect finds every image the captions name and decodes it: a missing image and a cut
  /// JPEG are problems with the file named, as training would refuse them.
  @Test func inspectReportsMissingAndDamagedImages() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try DataExporter.export(
      try SceneWorldTests.small(pairs: 30), format: .cocoJSON, to: folder.path, images: true,
      imageFormat: .jpeg)
    let clean = try DataInspector.inspect(folder.path)
    #expect(clean.totalProblems == 0 && clean.imageFilesChecked == 30)
    let train = try FileManager.default.contentsOfDirectory(atPath: folder.child("images/train"))
      .sorted()
    let cut = folder.child("images/train/\(train[0])")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: cut))
    try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: cut))
    try FileManager.default.removeItem(atPath: folder.child("images/train/\(train[1])"))
    let damaged = try DataInspector.inspect(folder.path)
    #expect(damaged.totalProblems == 2)
    #expect(damaged.problems.contains { $0.description.contains("missing image \(train[1])") })
    #expect(damaged.problems.contains { $0.description.contains(train[0]) && $0.description.contains("damaged or truncated") })
  }

  @Test(arguments: [TagVocabulary.fine, .coarse, .none])
  func oscarExportReadsBackWithTheSameTagsAndFeatures(tags: TagVocabulary) throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    let world = try SceneWorldTests.small(pairs: 200)
    try DataExporter.export(world, format: .oscarTSV, to: folder.path, tags: tags)
    for split in DataSplit.allCases {
      let dataset = try OscarDataset.load(folder: folder.child(split.rawValue))
      let pairs = world.pairs(in: split)
      #expect(dataset.corpus.map(\.caption) == pairs.map(\.caption.text))
      #expect(dataset.featureDimension == 64)
      for (row, pair) in zip(dataset.corpus, pairs) {
        #expect(row.imageKey == String(pair.index))
        #expect(dataset.tags(of: row) == pair.tags(tags))
        let values = dataset.regionInputs(of: row)
        #expect(values.map(\.bitPattern) == pair.regionInputs.map(\.bitPattern))
        #expect(dataset.features[row.imageKey]?.boxCount == pair.regionCount)
        let truth = pair.scene.objects.compactMap {
          tags.tag(fineClass: $0.fineClass, colour: $0.colour)
        }
        #expect(dataset.tags(of: row, groundTruth: true) == truth)
        let confidences = dataset.labels[row.labelKey]?.objects.map(\.confidence)
        #expect(
          confidences
            == pair.regions.filter { $0.kind != .background && tags != .none }.map {
              Optional($0.confidence)
            })
      }
    }
    let inspection = try DataInspector.inspect(folder.path)
    #expect(inspection.totalProblems == 0, "\(inspection.problems)")
    #expect(inspection.pairCount == 200 && inspection.regions?.featureDimension == 64)
    #expect(inspection.report.contains("D = 64 + 6 box values"))
  }

  @Test func exportRefusesAFolderThatIsNotEmpty() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("notes.txt", "mine")
    let world = try SceneWorldTests.small(pairs: 20)
    #expect(throws: DataError.self) {
      try DataExporter.export(world, format: .cocoJSON, to: folder.path)
    }
    try DataExporter.export(world, format: .cocoJSON, to: folder.path, overwrite: true)
    #expect(try folder.read("notes.txt") == Data("mine".utf8))
  }

  @Test func featureCodecIsLittleEndianFloat32() throws {
    let text = FeatureCodec.encode([1, -2.5])
    #expect(Data(base64Encoded: text) == Data([0, 0, 0x80, 0x3F, 0, 0, 0x20, 0xC0]))
    #expect(try FeatureCodec.decode(Substring(text)) == [1, -2.5])
  }
}
