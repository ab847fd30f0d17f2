import Foundation
import NN
import Tensor

/// One variant's training run: the model family's training (its model, momentum copy and
/// step), the optimiser and schedule, the data order, and the step counter. Every random draw of
/// step s comes from streams derived from (seed, s), so any step can be replayed and a resumed
/// run continues bit-identically. The engine drives it from its own thread; nothing here is
/// shared between threads.
public final class Pretrainer {
  public let configuration: PretrainingConfiguration
  public let data: PretrainingData
  public let order: BatchOrder
  public internal(set) var step = 0
  /// ALBEF's or Oscar's part of the run: `ALBEFTraining` or `OscarTraining`.
  let family: any ModelFamilyTraining
  let optimizer: AdamW
  let schedule: LearningRateSchedule
  /// Builds each step's batch: on the training thread, or on the prefetcher's.
  let assembler: BatchAssembler
  var prefetcher: BatchPrefetcher?
  /// Test hook: runs after backward with the step about to be completed (1-based) and the
  /// optimiser's parameters, e.g. to poison a gradient while the loss stays finite.
  var gradientFault: ((Int, [(name: String, tensor: Tensor)]) -> Void)?
  /// Test hook: true for a step (1-based) makes its first loss read as NaN.
  var lossFault: ((Int) -> Bool)?

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
    switch configuration.model.family {
    case .albef:
      family = try ALBEFTraining(configuration: configuration, data: data, random: &random)
    case .oscar:
      family = try OscarTraining(configuration: configuration, data: data, random: &random)
    }
    var optimizerConfiguration = AdamW.Configuration(
      weightDecay: configuration.training.weightDecay)
    optimizerConfiguration.noDecayNames = ["temperature"]
    optimizer = AdamW(module: family.model.module, configuration: optimizerConfiguration)
    assembler = BatchAssembler(configuration: configuration, data: data, order: order)
    let t = configuration.training
    schedule = .warmupCosine(
      peak: t.learningRate, warmupSteps: t.warmupSteps, totalSteps: t.steps,
      floor: t.minimumLearningRate, warmupStart: t.warmupLearningRate)
  }

  deinit { prefetcher?.stop() }

  /// Whether `trainStep` has its batches assembled ahead on a thread of their own
  /// (`BatchPrefetcher`, two ahead, started at the first step trained). Results are the same
  /// either way: a batch depends on its step alone.
  public var prefetchesBatches = false

  /// The trained model (ALBEF's student or Oscar).
  public var model: any Module { family.model.module }
  public var albefModel: ALBEFModel? {
    if case .albef(let model) = family.model { model } else { nil }
  }
  public var oscarModel: OscarModel? {
    if case .oscar(let model) = family.model { model } else { nil }
  }
  /// The momentum (teacher) copy; nil for Oscar, which keeps none.
  public var momentumModel: (any Module)? { family.momentumModule }

  /// The distillation weight at `step`: ALBEF's ramp over `alphaRampSteps` (one epoch by default).
  public func alpha(at step: Int) -> Float {
    let objectives = configuration.objectives
    guard configuration.model.family.hasMomentumModel, objectives.distillation else { return 0 }
    let ramp = objectives.alphaRampSteps > 0 ? objectives.alphaRampSteps : order.batchesPerEpoch
    return DistillationSchedule.alpha(step: step, rampSteps: ramp, maximum: objectives.alpha)
  }
}
