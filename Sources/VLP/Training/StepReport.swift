/// A named number (a loss or a metric) in display order.
public struct NamedValue: Sendable, Equatable, Codable {
  public var name: String
  public var value: Float

  public init(_ name: String, _ value: Float) {
    self.name = name
    self.value = value
  }
}

/// What one training step produced: the per-objective losses (unweighted) and their weighted
/// total, the schedule's values, and, when asked for, the pseudo-targets of the batch.
public struct StepReport: Sendable {
  /// Steps completed after this one (the first step reports 1).
  public var step: Int
  public var losses: [NamedValue]
  public var total: Float
  public var learningRate: Float
  /// Distillation weight used this step (0 without momentum distillation or for Oscar).
  public var alpha: Float
  /// ITC temperature after the step (nil without ITC).
  public var temperature: Float?
  /// Real (enqueued) entries in the ITC queue.
  public var queueFill: Int
  public var gradientNorm: Float
  public var pseudoTargets: PseudoTargets?
  /// What ITM's negatives were like (scene world); not written to metrics.jsonl.
  public var negativeAudit: NegativeAudit?
  /// Where the step's time went; not written to metrics.jsonl (it differs run to run).
  public var timing = StepTiming()

  public func loss(_ name: String) -> Float? { losses.first { $0.name == name }?.value }
}

/// Wall-clock seconds of one step: waiting for its batch (the whole assembly when it was built
/// on the training thread), assembling it (on the prefetch thread when prefetching), and the
/// model's forward, backward and optimiser step.
public struct StepTiming: Sendable, Equatable {
  public var dataWaitSeconds = 0.0
  public var assemblySeconds = 0.0
  public var computeSeconds = 0.0

  public init(dataWaitSeconds: Double = 0, assemblySeconds: Double = 0, computeSeconds: Double = 0) {
    (self.dataWaitSeconds, self.assemblySeconds, self.computeSeconds) =
      (dataWaitSeconds, assemblySeconds, computeSeconds)
  }
}

/// Errors that stop a run.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A loss became NaN or infinite: the step is not applied, so the weights stay the last good ones.
  case nonFiniteLoss(objective: String, step: Int, value: Float)
  /// The losses were finite but the gradient was not: `parameter` is the first (in the
  /// optimiser's order) whose gradient holds NaN or an infinity, nil when every one is finite
  /// and only their global norm overflowed; `variant` names the variant in lockstep. The step is not
  /// applied.
  case nonFiniteGradient(parameter: String?, step: Int, norm: Float, variant: String? = nil)
  case invalidRequest(String)

  public var description: String {
    switch self {
    case .nonFiniteLoss(let objective, let step, let value):
      "the \(objective) loss is \(value.isNaN ? "NaN" : "\(value)") at step \(step); the step was not "
        + "applied. Lower "
        + "training.learningRate or set training.gradientClipNorm, then resume from the last checkpoint"
    case .nonFiniteGradient(let parameter, let step, let norm, let variant):
      (parameter.map { "the gradient of \($0) is not finite" }
        ?? "the gradient's global norm overflows (\(norm))")
        + (variant.map { " in variant \($0)" } ?? "") + " at step \(step) while every loss is finite; the step was not applied. Lower "
        + "training.learningRate or set training.gradientClipNorm, then resume from the last checkpoint"
    case .invalidRequest(let detail): detail
    }
  }
}
