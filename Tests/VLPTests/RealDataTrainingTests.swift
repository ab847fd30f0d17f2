import Foundation
import TestSupport
import Testing

@testable import Tensor
@testable import VLP

/// The real-data path end to end without downloading anything: a small scene world exported as
/// COCO captions with JPEG images (`vlp data export --format coco-json --images`), a session
/// with `source: coco` on it, and a run that learns.
@Suite struct RealDataTrainingTests {
  static let session = """
    {
      "model": {"family": "albef", "imageInput": "patches", "imageSize": 16, "patchSize": 4,
                "dimension": 32, "headCount": 2, "hiddenSize": 64, "imageLayers": 1,
                "textLayers": 1, "fusionLayers": 1, "embeddingDimension": 16,
                "maximumTextLength": 25},
      "objectives": {"itc": 1, "mlm": 1, "itm": 1, "queueSize": 64},
      "training": {"batchSize": 16, "learningRate": 0.001, "warmupSteps": 5},
      "evaluation": {"retrievalPairs": 20, "accuracyPairs": 32, "rerank": 0},
      "data": {"source": "coco", "images": "data/images",
               "train": "data/annotations/captions_train.json",
               "val": "data/annotations/captions_val.json",
               "test": "data/annotations/captions_test.json"}
    }
    """

  /// A session folder holding `session.json` and the exported world under `data/`.
  static func exportedSession(pairs: Int) throws -> (TemporaryDirectory, SessionDefinition) {
    let folder = try TemporaryDirectory("coco-world")
    var world = SceneWorldConfiguration()
    world.pairCount = pairs
    world.imageSize = 16
    try DataExporter.export(
      try SceneWorld(configuration: world), format: .cocoJSON, to: folder.child("data"),
      images: true, imageFormat: .jpeg)
    let file = try folder.write("session.json", session)
    return (folder, try SessionDefinition(contentsOf: file))
  }

  @Test func theWorldExportedAsCOCOTrainsAndLearns() throws {
    let (folder, definition) = try Self.exportedSession(pairs: 400)
    defer { folder.remove() }
    let configuration = definition.variants[0].configuration
    let events = EventLog()
    let data = try PretrainingData(configuration: configuration, progress: events.record)
    #expect(data.world == nil && data.corpus.source == .coco)
    #expect(data.trainIndices.count + data.testIndices.count + data.validationIndices.count == 400)
    #expect(events.imageProgress.last.map { $0.done == $0.total } == true)
    let trainer = try Pretrainer(configuration: configuration, data: data)
    var totals: [Float] = []
    for _ in 0..<60 { totals.append(try trainer.trainStep().total) }
    let first = totals.prefix(5).reduce(0, +) / 5
    let last = totals.suffix(5).reduce(0, +) / 5
    #expect(totals.allSatisfy { $0.isFinite })
    #expect(last < first - 0.3, "the loss did not fall: \(first) -> \(last)")
  }

  /// The images the model reads are the world's renders after a JPEG round trip: close, not
  /// equal (16-pixel JPEGs lose most in chroma).
  @Test func realImagesAreTheExportedRenders() throws {
    let (folder, definition) = try Self.exportedSession(pairs: 60)
    defer { folder.remove() }
    let configuration = definition.variants[0].configuration
    let data = try PretrainingData(configuration: configuration)
    let world = try SceneWorld(configuration: {
      var c = SceneWorldConfiguration()
      c.pairCount = 60
      c.imageSize = 16
      return c
    }())
    let corpus = try #require(data.corpus as? CaptionCorpus)
    for pair in data.testIndices.prefix(3) {
      let name = (corpus.imagePath(pair) as NSString).lastPathComponent
      let index = try #require(Int(name.dropFirst("scene_".count).prefix(6)))
      var none: RandomGenerator?
      let real = try data.corpus.image(pair, size: 16, augmentation: &none).pixels
      func meanError(_ other: Int) -> Float {
        let render = world.image(at: other, size: 16).pixels
        return zip(real, render).map { abs($0 - $1) }.reduce(0, +) / Float(real.count)
      }
      // 16-pixel JPEGs with subsampled chroma: close to their own render, far from another's.
      #expect(meanError(index) < 0.1)
      #expect(meanError(index) < meanError((index + 1) % 60) / 2)
      #expect(data.captionText(pair) == world.pairs[index].caption.text)
    }
  }
}
