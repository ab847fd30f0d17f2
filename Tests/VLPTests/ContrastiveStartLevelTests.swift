import Foundation
import Tensor
import Testing

@testable import VLP

/// ITC's `start` reference line with a queue (docs/objectives.md, "Levels at initialisation"):
/// the mean over seeds of an untrained model's loss against the random initial queue.
@Suite struct ContrastiveStartLevelTests {
  static func unitVector(_ e: Int, _ random: inout RandomGenerator) -> [Double] {
    let v = (0..<e).map { _ in random.nextNormal() }
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return v.map { $0 / norm }
  }

  /// Simulates the untrained model the derivation assumes: one feature per modality (the
  /// batch columns share the logit c = cos(v, t) / τ), Q random unit keys, the query's
  /// positive among the batch columns; averaged over 300 draws of everything.
  @Test func theStartLevelIsTheMeanOfSimulatedUntrainedLosses() throws {
    let configuration = try PretrainingConfiguration.decode(
      ["training": ["batchSize": 32], "objectives": ["queueSize": 1024, "temperature": 0.07],
       "model": ["embeddingDimension": 64]])
    let level = try #require(Objective.itcStartLevel(configuration))
    #expect(Swift.abs(level.value - 8.5322) < 1e-3)
    let levels = configuration.referenceLevels(vocabularySize: 100).filter { $0.loss == "itc" }
    #expect(levels.map(\.kind) == [.chance, .start])
    #expect(Swift.abs(Double(levels[0].value) - log(1056)) < 1e-5)

    var random = RandomGenerator(seed: 11)
    let (b, q, e, tau) = (32.0, 1024, 64, 0.07)
    var losses: [Double] = []
    for _ in 0..<300 {
      let query = Self.unitVector(e, &random)
      let other = Self.unitVector(e, &random)
      let c = zip(query, other).reduce(0) { $0 + $1.0 * $1.1 } / tau
      var queue = 0.0
      for _ in 0..<q {
        let key = Self.unitVector(e, &random)
        queue += exp(zip(query, key).reduce(0) { $0 + $1.0 * $1.1 } / tau)
      }
      losses.append(log(b * exp(c) + queue) - c)
    }
    let mean = losses.reduce(0, +) / Double(losses.count)
    let spread = (losses.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(losses.count - 1))
      .squareRoot()
    // The mean's standard error is about 1.9 / √300 ≈ 0.11.
    #expect(Swift.abs(mean - level.value) < 0.35, "simulated \(mean), derived \(level.value)")
    let sigma = 1 / (tau * Double(e).squareRoot())
    #expect(Swift.abs(spread - sigma) < 0.4, "seed-to-seed spread \(spread), σ \(sigma)")
    // Without a queue there is no start line: the chance level ln B is where it starts.
    var inBatch = configuration
    inBatch.objectives.queueSize = 0
    #expect(Objective.itcStartLevel(inBatch) == nil)
  }
}
