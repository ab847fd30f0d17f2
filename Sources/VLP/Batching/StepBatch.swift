import Tensor

/// A model family's batch for one step: ALBEF's (with CMCL's rewrites when it trains them) or
/// Oscar's.
public enum FamilyBatch: Sendable {
  case albef(ALBEFBatch, rewrites: ContrastiveRewrites?)
  case oscar(OscarBatch)
}

/// Everything step `step` reads from the data, assembled before the step runs: the pairs, the
/// family's batch (tokens, masking, image inputs) and the MVM masking.
public struct StepBatch: Sendable {
  public var step: Int
  public var pairIndices: [Int]
  public var family: FamilyBatch
  public var vision: MaskedVision?
  /// Seconds spent assembling it (on whichever thread did).
  public var assemblySeconds: Double
}

/// Builds the batch of any step from the data, the order and the seed alone: every draw comes
/// from a stream derived from (seed, step) (masking, pollution, rewriting, vision masking), none
/// from what the model's step draws (dropout, negatives), so a batch is the same whichever
/// thread builds it and whenever. Immutable, so the prefetch thread may use it.
public struct BatchAssembler: Sendable {
  public let configuration: PretrainingConfiguration
  public let data: PretrainingData
  public let order: BatchOrder

  public init(configuration: PretrainingConfiguration, data: PretrainingData, order: BatchOrder) {
    (self.configuration, self.data, self.order) = (configuration, data, order)
  }

  public func batch(at step: Int) throws -> StepBatch {
    let begin = ContinuousClock.now
    let seed = configuration.seed
    let objectives = configuration.objectives
    let indices = order.batch(at: step)
    func random(_ stream: StreamSeed.Stream) -> RandomGenerator {
      RandomGenerator(seed: StreamSeed.derive(seed, stream: stream, index: step))
    }
    var vision: MaskedVision?
    if objectives.masksVision {
      var visionRandom = random(.visionMasking)
      vision = try data.maskedVision(
        indices, probability: objectives.mvmProbability, random: &visionRandom)
    }
    let family: FamilyBatch
    switch configuration.model.family {
    case .albef:
      var masking = random(.masking)
      let batch = try data.albefBatch(
        indices, maskProbability: objectives.maskProbability, random: &masking)
      var rewrites: ContrastiveRewrites?
      if objectives.cmcl > 0 {
        var rewriting = random(.rewriting)
        rewrites = try data.contrastiveRewrites(indices, random: &rewriting)
      }
      family = .albef(batch, rewrites: rewrites)
    case .oscar:
      var pollution = random(.pollution)
      family = .oscar(
        try data.oscarBatch(
          indices, pollution: objectives.pollutionProbability,
          captionPollution: objectives.captionPollutionProbability,
          untagged: objectives.untaggedPollution,
          maskProbability: objectives.maskProbability, source: data.trainIndices,
          random: &pollution))
    }
    let elapsed = ContinuousClock.now - begin
    return StepBatch(
      step: step, pairIndices: indices, family: family, vision: vision,
      assemblySeconds: Double(elapsed.components.seconds)
        + Double(elapsed.components.attoseconds) * 1e-18)
  }
}
