import Foundation
import VLP

/// What the engine is doing.
public enum EngineState: Sendable, Equatable, CustomStringConvertible {
  /// Building the data and models, or restoring the last checkpoint.
  case loading
  case running
  case paused
  /// Reached its target step; it still answers probes and projections.
  case finished
  /// Stopped on an error (a NaN loss, a full disk); the message says what and what to do.
  case failed(String)
  /// Stopped on request, after saving.
  case stopped
  /// Another process trains the session; this engine follows its files (who: pid, host,
  /// command).
  case watching(String)

  public var description: String {
    switch self {
    case .loading: "loading"
    case .running: "running"
    case .paused: "paused"
    case .finished: "finished"
    case .failed: "failed"
    case .stopped: "stopped"
    case .watching: "watching"
    }
  }

  /// No more training will happen on this engine.
  public var isTerminal: Bool {
    switch self {
    case .failed, .stopped: true
    default: false
    }
  }
}

/// One variant's state as the UI may read it.
public struct VariantSnapshot: Sendable {
  public var name: String
  public var configuration: PretrainingConfiguration
  public var history: MetricHistory
  public var evaluations: [EvaluationRecord]
  /// The step of the best evaluation so far (by mean recall), whose checkpoint is kept.
  public var bestStep: Int?
  /// Pseudo-targets of a recent training batch and the step that batch was for.
  public var pseudoTargets: PseudoTargets?
  public var pseudoTargetStep: Int
  /// Chance and prior levels of each loss, for the dashboard's reference lines.
  public var referenceLevels: [ReferenceLevel]
  /// Tokens, captions and images of this variant's data.
  public var data: SessionDataView

  public var latest: MetricRecord? { history.last }
  public var latestEvaluation: EvaluationRecord? { evaluations.last }
}

/// Masked-word predictions the UI asked for (`TrainingEngine.probe`).
public struct ProbeResult: Sendable {
  public var request: Int
  public var variant: String
  public var pairIndex: Int
  public var step: Int
  public var words: [String]
  public var maskedWords: Set<Int>
  public var predictions: [MaskedWordPrediction]
  /// The model's greedy caption of the image (sessions that train PrefixLM; nil otherwise).
  public var generatedCaption: [String]? = nil
}

/// An immutable picture of the engine, handed out under a lock: reading it never waits for a
/// training step.
public struct EngineSnapshot: Sendable {
  public var session: String
  public var description: String
  public var state: EngineState
  /// Steps completed (the same for every variant: they train in lockstep).
  public var step: Int
  public var targetStep: Int
  /// Over the last few steps, all variants together; 0 before two steps.
  public var stepsPerSecond: Double
  /// Seconds of training so far (pauses excluded), across resumes.
  public var elapsed: Double
  public var variants: [VariantSnapshot]
  public var evaluationEvery: Int
  /// The step the run resumed from (nil: started fresh).
  public var resumedFrom: Int?
  public var lastCheckpointStep: Int?
  /// The latest line of the run log.
  public var message: String
  public var probe: ProbeResult?
  public var projection: ProjectionSnapshot?
  /// The latest attention map the UI asked for (`TrainingEngine.attend`).
  public var attention: AttentionProbeResult? = nil
  /// Increases with every publication, so a screen can tell whether anything changed.
  public var generation: Int
  /// What the user should know about loading the session (log lines set aside on resume).
  public var notices: [String] = []

  /// Seconds to the target at the current speed (nil when unknown).
  public var estimatedSecondsLeft: Double? {
    guard stepsPerSecond > 0, step < targetStep else { return step >= targetStep ? 0 : nil }
    return Double(targetStep - step) / stepsPerSecond
  }

  public func variant(_ name: String) -> VariantSnapshot? { variants.first { $0.name == name } }
}
