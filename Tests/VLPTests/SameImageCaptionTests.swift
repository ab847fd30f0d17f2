import Foundation
import TestSupport
import Testing

@testable import Tensor
@testable import VLP

/// COCO has five captions per image, one pair each, so a batch can hold two captions of one
/// image. Neither may be the other's ITM hard negative (`BatchDuplicates` decides by image).
@Suite struct SameImageCaptionTests {
  /// The exported COCO world of `RealDataTrainingTests` with three captions per training image:
  /// the world's caption and two rewordings, next to each other in the file as in COCO.
  static func threeCaptionsPerImage() throws -> (TemporaryDirectory, PretrainingData) {
    let (folder, definition) = try RealDataTrainingTests.exportedSession(pairs: 120)
    let path = folder.child("data/annotations/captions_train.json")
    var log = ProblemLog()
    var captions = try COCOCaptions.read(from: path, log: &log)
    let endings = ["", " seen from above", " in a picture"]
    var nextID = 0
    captions.annotations = captions.annotations.flatMap { annotation in
      endings.map { ending in
        nextID += 1
        return COCOCaptions.Annotation(
          id: nextID, imageID: annotation.imageID, caption: annotation.caption + ending)
      }
    }
    try captions.jsonText.write(toFile: path, atomically: true, encoding: .utf8)
    let data = try PretrainingData(configuration: definition.variants[0].configuration)
    return (folder, data)
  }

  @Test func captionsOfOneImageAreDuplicatesAndNeverHardNegatives() throws {
    let (folder, data) = try Self.threeCaptionsPerImage()
    defer { folder.remove() }
    let indices = Array(data.trainIndices.prefix(48))
    var random = RandomGenerator(seed: 5)
    let batch = try data.albefBatch(indices, maskProbability: 0.15, random: &random)
    #expect(batch.imageKeys == indices.map(data.corpus.imageKey))
    let duplicates = batch.duplicates
    let captions = indices.map(data.captionText)
    var sameImage = 0
    for i in 0..<48 {
      for j in 0..<48 where i != j {
        let image = batch.imageKeys[i] == batch.imageKeys[j]
        #expect(duplicates.isDuplicate(i, j) == (image || captions[i] == captions[j]))
        if image && captions[i] != captions[j] { sameImage += 1 }
      }
    }
    #expect(sameImage >= 48, "the batch should hold several captions of one image")
    // Same-image columns are by far the most similar, so without the exclusion they would be
    // drawn nearly every time.
    var similarity = [Float](repeating: 0, count: 48 * 48)
    for i in 0..<48 {
      for j in 0..<48 where batch.imageKeys[i] == batch.imageKeys[j] { similarity[i * 48 + j] = 50 }
    }
    for seed in 0..<20 {
      var draw = RandomGenerator(seed: UInt64(seed))
      let negatives = ImageTextMatching.hardNegatives(
        textToImage: similarity, imageToText: similarity, batchSize: 48,
        excluded: duplicates.isDuplicate, random: &draw)
      #expect(negatives.count == 96)
      #expect(negatives.allSatisfy { batch.imageKeys[$0.text] != batch.imageKeys[$0.image] })
    }
  }

  /// On the world every pair is its own image, so the rule is the one before image keys: the
  /// pair itself and identical captions (HardNegativeTests checks the captions).
  @Test func worldPairsAreEachTheirOwnImage() throws {
    var c = PretrainingConfiguration()
    c.data.world.pairCount = 200
    let data = try PretrainingData(configuration: c)
    var random = RandomGenerator(seed: 2)
    let indices = Array(data.trainIndices.prefix(32))
    let batch = try data.albefBatch(indices, maskProbability: 0.15, random: &random)
    #expect(batch.imageKeys == indices)
  }

  @Test func trainingOnSeveralCaptionsPerImageRuns() throws {
    let (folder, data) = try Self.threeCaptionsPerImage()
    defer { folder.remove() }
    let configuration = try SessionDefinition(contentsOf: folder.file("session.json"))
      .variants[0].configuration
    let trainer = try Pretrainer(configuration: configuration, data: data)
    for _ in 0..<3 { #expect(try trainer.trainStep().total.isFinite) }
  }
}
