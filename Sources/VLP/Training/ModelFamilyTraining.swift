import NN
import Tensor

/// One model family's part of a run: its model (and momentum copy), what it keeps between steps
/// (ALBEF's feature queues) and its training step, which reads top to bottom and calls one
/// objective after another (Sources/VLP/Objectives). `Pretrainer` holds one and owns the rest of
/// the run: optimiser, schedule, data order, step counter.
protocol ModelFamilyTraining: AnyObject {
  /// The trained model, by family: what evaluation, probes and captioning take.
  var model: TrainedModel { get }
  /// The momentum (teacher) copy, for families that keep one.
  var momentumModule: (any Module)? { get }

  /// The losses of one step on `batch` (assembled for this family by `BatchAssembler`),
  /// weighted into `total`; nothing is applied.
  func step(_ inputs: StepInputs, batch: FamilyBatch) throws -> FamilyStepResult
  /// Called once the optimiser has applied the step that `step` computed last.
  func stepApplied(pairIndices: [Int]) throws
  /// Called instead when the step that `step` computed last is not applied (the NaN tripwire
  /// fired here or in another variant): undoes what `step` changed besides the gradients.
  func stepDiscarded()

  /// ITC's temperature after the step; nil for a family without one.
  var temperature: Float? { get }
  /// Real entries in the ITC queue (0 for a family without queues).
  var queueFill: Int { get }

  /// The family's run state besides weights and optimiser, as checkpoint buffers and metadata.
  func checkpointState() -> (buffers: [NamedArray], metadata: [String: String])
  /// Checks `checkpoint`'s family state and returns what writes it, so that a run writes nothing
  /// unless the whole checkpoint fits.
  func restorer(for checkpoint: TrainingCheckpoint) throws -> () throws -> Void
}

/// The model a run trains, by family.
public enum TrainedModel {
  case albef(ALBEFModel)
  case oscar(OscarModel)

  public var module: any Module {
    switch self {
    case .albef(let model): model
    case .oscar(let model): model
    }
  }
}

/// What the run hands a family's step besides its batch: the batch's pairs, the step's random
/// streams (each derived from the seed and the step), the MVM masking both families share, and
/// the settings of this step.
struct StepInputs {
  var pairIndices: [Int]
  var seed: UInt64
  var step: Int
  var vision: MaskedVision?
  var context: ForwardContext
  var alpha: Float
  var capturePseudoTargets: Bool

  /// A fresh generator on `stream` for this step.
  func random(_ stream: StreamSeed.Stream) -> RandomGenerator {
    RandomGenerator(seed: StreamSeed.derive(seed, stream: stream, index: step))
  }
}

/// One objective's unweighted loss value.
public struct ObjectiveLoss: Sendable, Equatable {
  public var objective: Objective
  public var value: Float

  /// As a report and metrics.jsonl name it.
  public var named: NamedValue { NamedValue(objective.metricKey, value) }
}

/// What a family's step produced.
struct FamilyStepResult {
  var total: Tensor
  /// In the order the step computed them.
  var losses: [ObjectiveLoss]
  var pseudoTargets: PseudoTargets?
  /// ITM's negatives of the step, on the scene world.
  var negativeAudit: NegativeAudit?

  /// As `StepReport` and metrics.jsonl name them.
  var namedLosses: [NamedValue] { losses.map(\.named) }
}

/// The weighted sum a step optimises, built one objective at a time with the session's weight.
struct WeightedLosses {
  let objectives: ObjectiveConfiguration
  private(set) var total = Tensor(scalar: 0)
  private(set) var losses: [ObjectiveLoss] = []
  var negativeAudit: NegativeAudit?

  init(_ objectives: ObjectiveConfiguration) { self.objectives = objectives }

  /// total += weight(objective) · loss.
  mutating func add(_ objective: Objective, _ loss: Tensor) throws {
    total = try total + loss * objectives.weight(of: objective)
    losses.append(ObjectiveLoss(objective: objective, value: try loss.item()))
  }

  func result(pseudoTargets: PseudoTargets?) -> FamilyStepResult {
    FamilyStepResult(
      total: total, losses: losses, pseudoTargets: pseudoTargets, negativeAudit: negativeAudit)
  }
}
