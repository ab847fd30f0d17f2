import Foundation
import Testing
import TestSupport

@testable import VLP

/// After a short training on the scene world, an object word's map points at its object more
/// often than a random map would (issue 18's pointing game). A map that ignored the words
/// (uniform, or the same for every word) or pointed at the wrong tokens scores near or below
/// the random line and fails.
@Suite struct PointingGameTests {
  static func trainedTrainer() throws -> Pretrainer {
    var c = PretrainerFixtures.configuration(.albef, pairs: 1200, batch: 32, queue: 128)
    c.model.imageInput = .regions
    c.model.fusionLayers = 2  // Grad-CAM needs a layer below the last (docs/objectives.md)
    c.training.learningRate = 0.001
    c.training.warmupSteps = 20
    let trainer = try Pretrainer(configuration: c)
    for _ in 0..<Self.steps { try trainer.trainStep() }
    return trainer
  }

  static let steps = Int(ProcessInfo.processInfo.environment["VLP_POINTING_STEPS"] ?? "") ?? 400

  @Test func objectWordsPointAtTheirObjectsMoreOftenThanARandomMap() throws {
    let trainer = try Self.trainedTrainer()
    let pairs = Array(trainer.data.cleanTestIndices.prefix(60))
    let probe = trainer.attentionMapProbe
    // Measured (107 object words): raw 41.1% after 400 steps against a random 30.4%. After 300
    // steps it was 43.0% with xoshiro-drawn dropout masks and 37.4% with the counter-based ones
    // (DropoutMask): the margin then rested on one random stream's luck, hence 400 steps.
    // Grad-CAM of fusion layer 1 of 2 scored 29.4% at 300 steps, no better than random yet
    // (docs/experiments.md), so only the raw map is held to the margin.
    let score = try probe.pointingGame(pairs: pairs, method: .raw)
    #expect(score.trials >= 60)
    #expect(score.accuracy >= score.randomAccuracy + 0.08, "\(score)")
  }

  /// The scoring itself: a map that puts all weight on the word's own region always hits; one
  /// on a token of no object never does.
  @Test func scoringHitsTheWordsRegionAndMissesOthers() throws {
    let trainer = try Pretrainer(configuration: PretrainerFixtures.configuration(.albef))
    let world = trainer.data.world!
    let pair = try #require(
      world.pairs.first { pair in
        pair.regions.contains { $0.object == nil }
          && pair.caption.words.contains { $0.role == .object && $0.objects.count == 1 }
      })
    let wordIndex = pair.caption.words.firstIndex { $0.role == .object && $0.objects.count == 1 }!
    let object = pair.caption.words[wordIndex].objects[0]
    let boxes = pair.regions.map(\.box)
    func map(pointingAt token: Int) -> AttentionMap {
      var rows = [[Float]](repeating: [Float](repeating: 0, count: boxes.count), count: pair.caption.words.count)
      rows[wordIndex][token] = 1
      return AttentionMap(
        pairIndex: pair.index, method: .raw, layer: 0, layerCount: 1, momentum: false,
        words: pair.caption.words.map(\.text), wordMaps: rows, layout: .regions(boxes))
    }
    let own = try #require(pair.regions.firstIndex { $0.object == object })
    let background = try #require(pair.regions.firstIndex { $0.object == nil })
    var hit = PointingGameScore()
    hit.add(map(pointingAt: own), pair: pair)
    var miss = PointingGameScore()
    miss.add(map(pointingAt: background), pair: pair)
    #expect(abs(hit.hits - miss.hits - 1) < 1e-9)
    #expect(hit.randomAccuracy > 0 && hit.randomAccuracy < 1)
  }
}
