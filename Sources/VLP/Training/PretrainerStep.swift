import Foundation
import NN
import Tensor

/// A step whose losses and gradients are computed and checked, not yet applied: the tripwire's
/// half-way point. In lockstep every variant prepares its step before any applies its own, so a
/// failure in one leaves all of them at the same step (docs/reliability.md, "The NaN tripwire").
public struct PreparedStep {
  let step: Int
  let pairIndices: [Int]
  let losses: [NamedValue]
  let total: Float
  let alpha: Float
  let gradientNorm: Float
  let pseudoTargets: PseudoTargets?
  let negativeAudit: NegativeAudit?
  let waited: Double
  let assemblySeconds: Double
  let computeBegin: ContinuousClock.Instant
}

extension Pretrainer {
  /// Runs one optimisation step: `prepareStep`, then `apply`. Throws a `TrainingError`
  /// (`nonFiniteLoss` or `nonFiniteGradient`) without changing any weight when a loss or the
  /// gradient is NaN or infinite.
  @discardableResult
  public func trainStep(capturePseudoTargets: Bool = false) throws -> StepReport {
    try apply(prepareStep(capturePseudoTargets: capturePseudoTargets))
  }

  /// The step's batch, the family's losses, backward and the gradient's global norm, each
  /// checked: a non-finite loss names its objective; a non-finite gradient with finite losses
  /// names the first parameter whose gradient is not finite. Nothing is applied: on a throw the
  /// run is as before the call (the momentum copy's EMA included); on success `apply` or
  /// `discard` must follow before the next step.
  public func prepareStep(capturePseudoTargets: Bool = false) throws -> PreparedStep {
    let batch: StepBatch
    var waited = 0.0
    if prefetchesBatches && prefetcher == nil {
      prefetcher = BatchPrefetcher(assembler: assembler, firstStep: step)
    }
    if let prefetcher {
      (batch, waited) = try prefetcher.batch(at: step)
    } else {
      batch = try assembler.batch(at: step)
      waited = batch.assemblySeconds
    }
    let seed = configuration.seed
    let computeBegin = ContinuousClock.now
    let alpha = alpha(at: step)
    do {
      let result = try family.step(
        StepInputs(
          pairIndices: batch.pairIndices, seed: seed, step: step, vision: batch.vision,
          context: ForwardContext(
            training: true, seed: StreamSeed.derive(seed, stream: .dropout, index: step)),
          alpha: alpha, capturePseudoTargets: capturePseudoTargets),
        batch: batch.family)
      var losses = result.losses
      if lossFault?(step + 1) == true, !losses.isEmpty { losses[0].value = .nan }
      for loss in losses where !loss.value.isFinite {
        throw TrainingError.nonFiniteLoss(
          objective: loss.objective.metricKey, step: step + 1, value: loss.value)
      }
      let totalValue = try result.total.item()
      guard totalValue.isFinite else {
        throw TrainingError.nonFiniteLoss(objective: "total", step: step + 1, value: totalValue)
      }
      optimizer.zeroGradients()
      try result.total.backward()
      gradientFault?(step + 1, optimizer.parameters)
      let parameters = optimizer.parameters.map(\.tensor)
      let norm = GradientClipping.globalNorm(parameters)
      guard norm.isFinite else {
        let first = GradientClipping.firstNonFiniteGradient(parameters)
        throw TrainingError.nonFiniteGradient(
          parameter: first.map { optimizer.parameters[$0].name }, step: step + 1, norm: norm)
      }
      return PreparedStep(
        step: step, pairIndices: batch.pairIndices, losses: result.namedLosses, total: totalValue,
        alpha: alpha, gradientNorm: norm, pseudoTargets: result.pseudoTargets,
        negativeAudit: result.negativeAudit, waited: waited,
        assemblySeconds: batch.assemblySeconds, computeBegin: computeBegin)
    } catch {
      family.stepDiscarded()
      throw error
    }
  }

  /// Applies a prepared step: clipping, AdamW, the family's after-step work (ALBEF's queues),
  /// the step counter.
  public func apply(_ prepared: PreparedStep) throws -> StepReport {
    precondition(prepared.step == step, "apply: step \(prepared.step) prepared, the run is at \(step)")
    let parameters = optimizer.parameters.map(\.tensor)
    let clip = configuration.training.gradientClipNorm
    GradientClipping.clip(
      parameters, norm: prepared.gradientNorm, maxNorm: clip > 0 ? clip : .infinity)
    let learningRate = schedule.learningRate(at: step)
    optimizer.step(learningRate: learningRate)
    try family.stepApplied(pairIndices: prepared.pairIndices)
    step += 1
    let compute = ContinuousClock.now - prepared.computeBegin
    return StepReport(
      step: step, losses: prepared.losses, total: prepared.total, learningRate: learningRate,
      alpha: prepared.alpha, temperature: family.temperature, queueFill: family.queueFill,
      gradientNorm: prepared.gradientNorm, pseudoTargets: prepared.pseudoTargets,
      negativeAudit: prepared.negativeAudit,
      timing: StepTiming(
        dataWaitSeconds: prepared.waited, assemblySeconds: prepared.assemblySeconds,
        computeSeconds: Double(compute.components.seconds)
          + Double(compute.components.attoseconds) * 1e-18))
  }

  /// Drops a prepared step (another variant's failed): the weights, the step and the momentum
  /// copy stay as they were before `prepareStep`.
  public func discard(_ prepared: PreparedStep) {
    precondition(prepared.step == step, "discard: step \(prepared.step) prepared, the run is at \(step)")
    optimizer.zeroGradients()
    family.stepDiscarded()
  }
}
