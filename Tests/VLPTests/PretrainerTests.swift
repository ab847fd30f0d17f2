import Foundation
import Testing

@testable import NN
@testable import Tensor
@testable import VLP

/// Small worlds and models so that these tests train in seconds.
enum PretrainerFixtures {
  static func configuration(
    _ family: ModelFamily, pairs: Int = 800, batch: Int = 16, queue: Int = 64
  ) -> PretrainingConfiguration {
    var c = PretrainingConfiguration()
    c.data.world.pairCount = pairs
    c.model.family = family
    c.model.dimension = 32
    c.model.headCount = 2
    c.model.hiddenSize = 64
    c.model.imageLayers = 1
    c.model.textLayers = 1
    c.model.fusionLayers = 1
    c.model.layers = 2
    c.model.embeddingDimension = 16
    c.model.maximumTextLength = family == .oscar ? 40 : 25
    c.training.batchSize = batch
    c.objectives.queueSize = queue
    c.evaluation.retrievalPairs = 20
    c.evaluation.accuracyPairs = 32
    c.evaluation.rerank = 4
    return c
  }
}

@Suite struct PretrainerTests {
  /// The benchmark model: 1,497,323 trainable parameters.
  @Test func benchSmallHasTheSpecifiedParameterCount() throws {
    var c = PretrainingConfiguration()
    c.data.world.pairCount = 200
    c.model.vocabularySize = 1000
    let trainer = try Pretrainer(configuration: c)
    #expect(trainer.model.parameterCount == 1_497_323)
    #expect(try #require(trainer.momentumModel).parameterCount == 1_497_323)
  }

  /// At initialisation the losses sit where theory puts them: MLM ≈ ln V, ITC ≈ ln(B + Q)
  /// (random features and a random queue), ITM near the 1:2 prior's entropy, polluted ≈ ln 2.
  @Test func lossesAtInitialisationMatchTheory() throws {
    var albef = PretrainerFixtures.configuration(.albef, batch: 16, queue: 64)
    albef.objectives.distillation = false
    let trainer = try Pretrainer(configuration: albef)
    let report = try trainer.trainStep()
    let vocabulary = Float(trainer.data.vocabularySize)
    #expect(abs(report.loss("mlm")! - log(vocabulary)) < 0.35)
    // With ALBEF's random unit queue keys, ITC starts at or above the chance level ln(B + Q)
    // (the keys spread the logits by 1 / (τ √E); docs/objectives.md), never far below it.
    #expect(report.loss("itc")! > log(16 + 64) - 0.1)
    // Without a queue every key is an untrained batch feature: ITC sits at ln B.
    var inBatch = albef
    inBatch.objectives.queueSize = 0
    let inBatchReport = try Pretrainer(configuration: inBatch).trainStep()
    #expect(abs(inBatchReport.loss("itc")! - log(16)) < 0.3)
    // An untrained head gives near-equal logits: ln 2 per row, whatever the 1:2 label mix.
    #expect(abs(report.loss("itm")! - log(2)) < 0.1)
    let oscar = try Pretrainer(configuration: PretrainerFixtures.configuration(.oscar))
    let first = try oscar.trainStep()
    #expect(abs(first.loss("mlm")! - log(Float(oscar.data.vocabularySize))) < 0.35)
    #expect(abs(first.loss("pollutedTags")! - log(2)) < 0.1)

    // The levels the dashboard draws are the ones checked above.
    func level(_ trainer: Pretrainer, _ loss: String, _ kind: ReferenceLevel.Kind) -> Float? {
      trainer.referenceLevels.first { $0.loss == loss && $0.kind == kind }?.value
    }
    let inBatchTrainer = try Pretrainer(configuration: inBatch)
    #expect(abs(level(inBatchTrainer, "itc", .chance)! - log(16)) < 1e-6)
    #expect(abs(level(trainer, "itc", .chance)! - log(80)) < 1e-6)
    #expect(abs(level(trainer, "mlm", .chance)! - log(vocabulary)) < 1e-6)
    #expect(abs(level(trainer, "itm", .chance)! - log(2)) < 1e-6)
    #expect(abs(level(trainer, "itm", .prior)! - 0.6365142) < 1e-5)
    #expect(abs(level(oscar, "pollutedTags", .chance)! - log(2)) < 1e-6)
    #expect(abs(level(oscar, "pollutedTags", .prior)! - log(2)) < 1e-6)
    // Oscar+: 3 classes at init; the 50 / 25 / 25 label mix has entropy 1.5 ln 2.
    var plus = PretrainerFixtures.configuration(.oscar)
    plus.objectives.captionPollutionProbability = 0.25
    let plusTrainer = try Pretrainer(configuration: plus)
    #expect(abs(level(plusTrainer, "pollutedTags", .chance)! - log(3)) < 1e-6)
    #expect(abs(level(plusTrainer, "pollutedTags", .prior)! - 1.5 * log(2)) < 1e-6)
    #expect(abs(try plusTrainer.trainStep().loss("pollutedTags")! - log(3)) < 0.1)
  }

  /// ALBEF learns (Oscar's tiny model needs a longer budget, see docs/objectives.md): a few hundred steps of a tiny model take held-out retrieval well
  /// above chance (1 / 20) and cut the losses.
  @Test(arguments: [ModelFamily.albef])
  func shortPretrainingLiftsRetrievalAboveChance(_ family: ModelFamily) throws {
    var c = PretrainerFixtures.configuration(family, pairs: 3000, batch: 32, queue: 128)
    c.model.imageInput = .regions
    c.training.learningRate = 1e-3
    c.training.warmupSteps = 20
    c.training.steps = 300
    let trainer = try Pretrainer(configuration: c)
    let before = try trainer.evaluate()
    let first = try trainer.trainStep()
    var last = first
    while trainer.step < 300 { last = try trainer.trainStep() }
    let after = try trainer.evaluate()
    #expect(last.loss("mlm")! < first.loss("mlm")! - 0.5)
    #expect(after.retrieval.meanRecall > before.retrieval.meanRecall + 0.1)
    #expect(after.mlmTop1 > before.mlmTop1 + 0.1)
  }

  @Test func sameSeedGivesTheSameNumbersAndThreadsDoNotMatter() throws {
    func losses(threads: Int) throws -> [Float] {
      try ComputeSettings.withThreadCount(threads) {
        let trainer = try Pretrainer(configuration: PretrainerFixtures.configuration(.albef))
        return try (0..<3).flatMap { _ in try trainer.trainStep().losses.map(\.value) }
      }
    }
    let one = try losses(threads: 1)
    #expect(one == (try losses(threads: 1)))
    #expect(one == (try losses(threads: 2)))
  }

  @Test func batchSizeOneTrainsWithoutNaN() throws {
    var c = PretrainerFixtures.configuration(.albef, batch: 1, queue: 8)
    c.objectives.alphaRampSteps = 1
    let trainer = try Pretrainer(configuration: c)
    for _ in 0..<3 {
      let report = try trainer.trainStep()
      #expect(report.losses.allSatisfy { $0.value.isFinite })
    }
  }

  @Test func pseudoTargetsAreRankedDistributions() throws {
    let trainer = try Pretrainer(configuration: PretrainerFixtures.configuration(.albef))
    let report = try trainer.trainStep(capturePseudoTargets: true)
    let targets = try #require(report.pseudoTargets)
    #expect(!targets.maskedPositions.isEmpty)
    #expect(targets.imageTexts.count == 16)
    for position in targets.maskedPositions {
      #expect(position.teacher.count == 5)
      let probabilities = position.teacher.map(\.probability)
      #expect(probabilities == probabilities.sorted(by: >))
      #expect(probabilities.reduce(0, +) <= 1.0001)
    }
    for image in targets.imageTexts {
      #expect(image.texts.count == 5)
      #expect(image.texts.allSatisfy { $0.id == -1 || trainer.data.trainIndices.contains($0.id) })
    }
  }

  /// The step clamps the temperature parameter into [0.001, 0.5] before its forward pass (with a
  /// zero learning rate nothing else moves it), and the queue fills by one batch per step.
  @Test func temperatureIsClampedBeforeTheStepAndQueueFills() throws {
    var c = PretrainerFixtures.configuration(.albef, batch: 16, queue: 32)
    (c.training.learningRate, c.training.warmupLearningRate, c.training.minimumLearningRate) = (0, 0, 0)
    let trainer = try Pretrainer(configuration: c)
    let temperature = try #require(trainer.albefModel).temperature
    temperature.storage.pointer[0] = 5
    var report = try trainer.trainStep()
    #expect(try temperature.item() == 0.5)
    #expect(report.queueFill == 16)
    temperature.storage.pointer[0] = 0
    report = try trainer.trainStep()
    #expect(try temperature.item() == 0.001)
    #expect(report.queueFill == 32)
  }

}
