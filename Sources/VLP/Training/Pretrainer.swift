import Foundation
import NN
import Tensor

/// One variant's training run: the model (and its momentum copy for ALBEF), the optimiser and
/// schedule, the data order, and the step counter. Every random draw of step s comes from streams
/// derived from (seed, s), so any step can be replayed and a resumed run continues bit-identically.
/// The engine drives it from its own thread; nothing here is shared between threads.
public final class Pretrainer {
  public let configuration: PretrainingConfiguration
  public let data: PretrainingData
  public let order: BatchOrder
  public internal(set) var step = 0
  let albef: ALBEFTraining?
  let oscar: OscarTraining?
  let optimizer: AdamW
  let schedule: LearningRateSchedule

  /// Builds the model from the configuration's seed. `data` may be shared by variants with the
  /// same data settings.
  public init(configuration: PretrainingConfiguration, data: PretrainingData? = nil) throws {
    self.configuration = configuration
    let data = try data ?? PretrainingData(configuration: configuration)
    self.data = data
    order = try BatchOrder(
      indices: data.trainIndices, batchSize: configuration.training.batchSize,
      seed: configuration.seed)
    var random = RandomGenerator(
      seed: StreamSeed.derive(configuration.seed, stream: .initialisation, index: 0))
    let model: any Module
    switch configuration.model.family {
    case .albef:
      let training = try ALBEFTraining(configuration: configuration, data: data, random: &random)
      (albef, oscar, model) = (training, nil, training.model)
    case .oscar:
      let training = try OscarTraining(configuration: configuration, data: data, random: &random)
      (albef, oscar, model) = (nil, training, training.model)
    }
    var optimizerConfiguration = AdamW.Configuration(
      weightDecay: configuration.training.weightDecay)
    optimizerConfiguration.noDecayNames = ["temperature"]
    optimizer = AdamW(module: model, configuration: optimizerConfiguration)
    let t = configuration.training
    schedule = .warmupCosine(
      peak: t.learningRate, warmupSteps: t.warmupSteps, totalSteps: t.steps,
      floor: t.minimumLearningRate, warmupStart: t.warmupLearningRate)
  }

  /// The trained model (ALBEF's student or Oscar).
  public var model: any Module { (albef?.model as (any Module)?) ?? oscar!.model }
  public var albefModel: ALBEFModel? { albef?.model }
  public var momentumModel: ALBEFModel? { albef?.momentumModel }
  public var oscarModel: OscarModel? { oscar?.model }
  public var family: ModelFamily { configuration.model.family }

  /// The distillation weight at `step`: ALBEF's ramp over `alphaRampSteps` (one epoch by default).
  public func alpha(at step: Int) -> Float {
    let objectives = configuration.objectives
    guard family == .albef, objectives.distillation else { return 0 }
    let ramp = objectives.alphaRampSteps > 0 ? objectives.alphaRampSteps : order.batchesPerEpoch
    return DistillationSchedule.alpha(step: step, rampSteps: ramp, maximum: objectives.alpha)
  }

  /// Runs one optimisation step. Throws `TrainingError.nonFiniteLoss` (without changing any
  /// weight) when a loss is NaN or infinite.
  @discardableResult
  public func trainStep(capturePseudoTargets: Bool = false) throws -> StepReport {
    let seed = configuration.seed
    let indices = order.batch(at: step)
    var maskingRandom = RandomGenerator(
      seed: StreamSeed.derive(seed, stream: .masking, index: step))
    let context = ForwardContext(
      training: true, seed: StreamSeed.derive(seed, stream: .dropout, index: step))
    let objectives = configuration.objectives
    let alpha = alpha(at: step)
    let total: Tensor
    let losses: [NamedValue]
    var pseudoTargets: PseudoTargets?
    var albefOutput: ALBEFTraining.Output?
    var vision: MaskedVision?
    if objectives.masksVision {
      var visionRandom = RandomGenerator(
        seed: StreamSeed.derive(seed, stream: .visionMasking, index: step))
      vision = try data.maskedVision(
        indices, probability: objectives.mvmProbability, random: &visionRandom)
    }
    if let albef {
      let batch = try data.albefBatch(
        indices, maskProbability: objectives.maskProbability, random: &maskingRandom)
      var rewrites: ContrastiveRewrites?
      if objectives.cmcl > 0 {
        var rewriting = RandomGenerator(
          seed: StreamSeed.derive(seed, stream: .rewriting, index: step))
        rewrites = try data.contrastiveRewrites(indices, random: &rewriting)
      }
      let output = try albef.step(
        batch, vision: vision, rewrites: rewrites, alpha: alpha, context: context,
        negativesSeed: StreamSeed.derive(seed, stream: .negatives, index: step),
        capturePseudoTargets: capturePseudoTargets)
      (total, losses, pseudoTargets, albefOutput) = (
        output.total, output.losses, output.pseudoTargets, output
      )
    } else {
      var pollutionRandom = RandomGenerator(
        seed: StreamSeed.derive(seed, stream: .pollution, index: step))
      let batch = try data.oscarBatch(
        indices, pollution: objectives.pollutionProbability,
        captionPollution: objectives.captionPollutionProbability,
        maskProbability: objectives.maskProbability, source: data.trainIndices,
        random: &pollutionRandom)
      (total, losses, pseudoTargets) = try oscar!.step(
        batch, vision: vision, context: context, capturePseudoTargets: capturePseudoTargets)
    }
    for loss in losses where !loss.value.isFinite {
      throw TrainingError.nonFiniteLoss(objective: loss.name, step: step + 1, value: loss.value)
    }
    let totalValue = try total.item()
    guard totalValue.isFinite else {
      throw TrainingError.nonFiniteLoss(objective: "total", step: step + 1, value: totalValue)
    }
    optimizer.zeroGradients()
    try total.backward()
    let parameters = optimizer.parameters.map(\.tensor)
    let clip = configuration.training.gradientClipNorm
    let norm = GradientClipping.clipGlobalNorm(parameters, maxNorm: clip > 0 ? clip : .infinity)
    let learningRate = schedule.learningRate(at: step)
    optimizer.step(learningRate: learningRate)
    if let albef, let albefOutput { try albef.enqueue(albefOutput, pairIndices: indices) }
    step += 1
    return StepReport(
      step: step, losses: losses, total: totalValue, learningRate: learningRate, alpha: alpha,
      temperature: albef.map { (try? $0.model.temperature.item()) ?? 0 },
      queueFill: albef?.imageQueue.realCount ?? 0,
      gradientNorm: norm, pseudoTargets: pseudoTargets)
  }
}
