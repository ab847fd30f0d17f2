import Foundation
import NN
import Testing

@testable import Engine
@testable import VLP

/// The NaN tripwire checks every variant's losses and gradient before any variant's update is
/// applied (`SessionRun.trainStep`, `Pretrainer.prepareStep`): a poisoned gradient with finite
/// losses is caught on its own step, and a failure in one variant leaves every variant, its
/// momentum copy, its logs and its checkpoints at the last good step.
@Suite struct TripwireTests {
  /// Every parameter's values, student then momentum copy, by variant.
  static func weights(_ run: SessionRun) -> [[[Float]]] {
    run.variants.map { variant in
      variant.trainer.model.namedParameters().map(\.tensor.scalars)
        + (variant.trainer.momentumModel?.namedParameters().map(\.tensor.scalars) ?? [])
    }
  }

  /// Poisons one element of the gradient of the optimiser's `parameter`-th tensor at `step`.
  static func poison(_ trainer: Pretrainer, at step: Int, parameter: Int = 5) -> String {
    trainer.gradientFault = { current, parameters in
      guard current == step, let gradient = parameters[parameter].tensor.gradStorage else { return }
      gradient.pointer[0] = .nan
    }
    return trainer.optimizer.parameters[parameter].name
  }

  static func makeRun(_ sessions: TemporarySessions, _ name: String, variants: [String])
    throws -> SessionRun
  {
    let list = variants.map { #"{"name": "\#($0)", "set": {}}"# }.joined(separator: ", ")
    let folder = try sessions.make(
      name, extra: variants.count > 1 ? [#""variants": [\#(list)]"#] : [])
    return try SessionRun(folder: folder, definition: try folder.definition(overrides: []))
  }

  @Test func aPoisonedGradientWithAFiniteLossIsCaughtBeforeItIsApplied() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let run = try Self.makeRun(sessions, "poisoned-gradient", variants: ["main"])
    for _ in 0..<3 { try run.trainStep(capturePseudoTargets: false) { 0 } }
    try run.saveCheckpoints()
    let trainer = run.variants[0].trainer
    let name = Self.poison(trainer, at: 4)
    let before = Self.weights(run)
    #expect {
      try run.trainStep(capturePseudoTargets: false) { 0 }
    } throws: { error in
      guard case TrainingError.nonFiniteGradient(let parameter, let step, _, let variant) = error
      else { return false }
      return parameter == name && step == 4 && variant == nil
    }
    #expect(trainer.step == 3)
    #expect(Self.weights(run) == before, "nothing applied, the momentum copy's EMA undone")
    #expect(run.variants[0].history.records.map(\.step) == [1, 2, 3])
    let message = "\(TrainingError.nonFiniteGradient(parameter: name, step: 4, norm: .nan))"
    #expect(message.contains("the gradient of \(name) is not finite at step 4"), "\(message)")
    #expect(message.contains("every loss is finite"), "\(message)")
    // Without the poison the same step trains: the run was left as it was.
    trainer.gradientFault = nil
    try run.trainStep(capturePseudoTargets: false) { 0 }
    #expect(trainer.step == 4)
  }

  @Test func aFailureInTheSecondOfThreeVariantsStepsNone() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let run = try Self.makeRun(sessions, "lockstep-failure", variants: ["a", "b", "c"])
    for _ in 0..<3 { try run.trainStep(capturePseudoTargets: false) { 0 } }
    try run.saveCheckpoints()
    let name = Self.poison(run.variants[1].trainer, at: 4)
    let before = Self.weights(run)
    let metricsBefore = try Data(contentsOf: run.folder.metricsFile)
    #expect {
      try run.trainStep(capturePseudoTargets: false) { 0 }
    } throws: { error in
      guard case TrainingError.nonFiniteGradient(let parameter, let step, _, let variant) = error
      else { return false }
      return parameter == name && step == 4 && variant == "b"
    }
    #expect(run.variants.map(\.trainer.step) == [3, 3, 3])
    #expect(Self.weights(run) == before, "no variant stepped, neither before nor after b")
    for variant in run.variants { #expect(variant.history.records.map(\.step) == [1, 2, 3]) }
    try run.flush()
    #expect(try Data(contentsOf: run.folder.metricsFile) == metricsBefore)
    for name in ["a", "b", "c"] { #expect(run.store.steps(variant: name) == [3]) }
    // A non-finite loss in the second variant is stopped the same way, naming it.
    run.variants[1].trainer.gradientFault = nil
    run.variants[1].trainer.lossFault = { $0 == 4 }
    #expect {
      try run.trainStep(capturePseudoTargets: false) { 0 }
    } throws: { error in
      guard case TrainingError.nonFiniteLoss(let objective, let step, _) = error else { return false }
      return objective.hasSuffix("(variant b)") && step == 4
    }
    #expect(run.variants.map(\.trainer.step) == [3, 3, 3])
    #expect(Self.weights(run) == before)
  }
}
