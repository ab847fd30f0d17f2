import Foundation
import TestSupport
import Testing

@testable import Tensor
@testable import VLP

/// Oscar on an oscar-tsv source: the scene world exported as Oscar folders (features with box
/// geometry, detector labels), read back through the line-indexed reader and trained on.
@Suite struct RegionDataTrainingTests {
  static func session(_ folder: TemporaryDirectory, pairs: Int) throws -> PretrainingConfiguration {
    var world = SceneWorldConfiguration()
    world.pairCount = pairs
    try DataExporter.export(
      try SceneWorld(configuration: world), format: .oscarTSV, to: folder.child("data"))
    let file = try folder.write(
      "session.json",
      """
      {"model": {"family": "oscar", "dimension": 32, "headCount": 2, "hiddenSize": 64, "layers": 2,
                 "maximumTextLength": 40},
       "objectives": {"mlm": 1, "pollutedTags": 1, "pollutionProbability": 0.5},
       "training": {"batchSize": 16, "learningRate": 0.001, "warmupSteps": 5},
       "evaluation": {"retrievalPairs": 20, "accuracyPairs": 32},
       "data": {"source": "oscar-tsv", "train": "data/train", "test": "data/test"}}
      """)
    return try SessionDefinition(contentsOf: file).variants[0].configuration
  }

  @Test func oscarTrainsOnExportedRegionFolders() throws {
    let folder = try TemporaryDirectory("oscar-tsv")
    defer { folder.remove() }
    let configuration = try Self.session(folder, pairs: 400)
    let data = try PretrainingData(configuration: configuration)
    let world = try SceneWorld(configuration: {
      var c = SceneWorldConfiguration()
      c.pairCount = 400
      return c
    }())
    #expect(data.world == nil && data.corpus.source == .oscarTSV)
    #expect(data.regionInputSize == world.configuration.featureDimension + 6)
    // The first training pair reads back as the world's pair: caption, tags, region rows.
    let pair = data.trainIndices[0]
    let index = world.indices(of: .train)[0]
    #expect(data.captionText(pair) == world.pairs[index].caption.text)
    #expect(data.tagText(pair) == world.pairs[index].tagText(.fine))
    let regions = try data.corpus.regions(pair, distributions: false)
    #expect(regions.count == world.pairs[index].regionCount)
    let expected = world.pairs[index].regionInputs
    #expect(zip(regions.inputs, expected).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
    let trainer = try Pretrainer(configuration: configuration, data: data)
    var totals: [Float] = []
    for _ in 0..<40 { totals.append(try trainer.trainStep().total) }
    #expect(totals.allSatisfy { $0.isFinite })
    let first = totals.prefix(5).reduce(0, +) / 5
    let last = totals.suffix(5).reduce(0, +) / 5
    #expect(last < first, "the loss did not fall: \(first) -> \(last)")
  }

  /// Region data has no pixels: a patch model is refused at load, naming the key.
  @Test func patchModelsAreRefusedOnRegionData() throws {
    let folder = try TemporaryDirectory("oscar-tsv")
    defer { folder.remove() }
    var configuration = try Self.session(folder, pairs: 100)
    configuration.model.family = .albef
    configuration.model.imageInput = .patches
    configuration.objectives.pollutedTags = 0
    do {
      _ = try PretrainingData(configuration: configuration)
      Issue.record("patches on oscar-tsv were accepted")
    } catch {
      #expect("\(error)".contains("'model.imageInput'") && "\(error)".contains("oscar-tsv"))
    }
  }

  /// A feature row whose bytes disagree with its box count refuses the data, naming file and
  /// line; with skipInvalid its image is left out and the problem reported once.
  @Test func aBrokenFeatureRowIsRefusedOrSkipped() throws {
    let folder = try TemporaryDirectory("oscar-tsv")
    defer { folder.remove() }
    var configuration = try Self.session(folder, pairs: 200)
    let features = folder.child("data/train/features.tsv")
    var lines = try String(contentsOfFile: features, encoding: .utf8).split(separator: "\n").map(String.init)
    var columns = lines[0].split(separator: "\t").map(String.init)
    columns[1] = String(Int(columns[1])! + 1)
    lines[0] = columns.joined(separator: "\t")
    try (lines.joined(separator: "\n") + "\n").write(toFile: features, atomically: true, encoding: .utf8)
    do {
      _ = try PretrainingData(configuration: configuration)
      Issue.record("a broken feature row was accepted")
    } catch {
      #expect("\(error)".contains("features.tsv:1"))
    }
    configuration.data.skipInvalid = true
    let events = EventLog()
    let data = try PretrainingData(configuration: configuration, progress: events.record)
    #expect(events.skipped.count >= 1 && events.skipped[0].line == 1)
    let exported = try String(contentsOfFile: folder.child("data/train/corpus.tsv"), encoding: .utf8)
      .split(separator: "\n").count
    #expect(data.trainIndices.count == exported - 1)
  }
}
