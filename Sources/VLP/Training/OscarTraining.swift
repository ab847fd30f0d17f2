import NN
import Tensor

/// Oscar's pretraining (run_oscarplus_pretrain.py in vanilla mode): the masked token loss over
/// words and tags plus the polluted-tag contrastive loss on the pooled [CLS], unweighted in the
/// official code (weights here come from the session), and the optional MVM. Oscar keeps no
/// momentum model and no queues.
final class OscarTraining: ModelFamilyTraining {
  let oscar: OscarModel
  let objectives: ObjectiveConfiguration
  let data: PretrainingData

  init(
    configuration: PretrainingConfiguration, data: PretrainingData, random: inout RandomGenerator
  ) throws {
    oscar = try Self.buildModel(configuration: configuration, data: data, random: &random)
    objectives = configuration.objectives
    self.data = data
  }

  /// A fresh model of this run's structure (the trained one, a detached copy).
  static func buildModel(
    configuration: PretrainingConfiguration, data: PretrainingData, random: inout RandomGenerator
  ) throws -> OscarModel {
    try OscarModel(
      configuration: configuration.model, vocabularySize: data.vocabularySize,
      regionInputSize: data.regionInputSize,
      pollutionClasses: configuration.objectives.pollutionClasses,
      objectives: configuration.objectives, random: &random)
  }

  var model: TrainedModel { .oscar(oscar) }
  var momentumModule: (any Module)? { nil }
  var temperature: Float? { nil }
  var queueFill: Int { 0 }

  /// One step on its batch (tags or captions polluted and tokens masked, from the pollution
  /// stream, assembled by `BatchAssembler`): one pass over caption, tags and regions, and the
  /// losses read from it.
  func step(_ inputs: StepInputs, batch family: FamilyBatch) throws -> FamilyStepResult {
    guard case .oscar(let batch) = family else {
      throw TrainingError.invalidRequest("an Oscar step was handed another family's batch")
    }
    let context = inputs.context
    let hidden = try oscar(
      ids: batch.maskedIDs, segments: batch.segments, textMask: batch.text.mask,
      regions: batch.regions, regionMask: batch.regionMask, context: context)
    var losses = WeightedLosses(objectives)

    // Masked token loss over caption words and tags (no distillation: no teacher).
    var pseudoTargets: PseudoTargets?
    if objectives.mlm > 0 {
      let logits = try oscar.maskedTokenLogits(hidden, positions: batch.sequencePositions)
      try losses.add(
        .mlm,
        MaskedLanguageModeling.loss(
          logits: logits, targets: batch.masked.targets, momentumLogits: nil, alpha: 0))
      if inputs.capturePseudoTargets {
        // Without a momentum model there is no teacher column: the student's top-5 only.
        pseudoTargets = PseudoTargets(
          pairIndices: batch.pairIndices,
          maskedPositions: PseudoTargetCapture.maskedPositions(
            student: logits, teacher: nil, masked: batch.masked, length: batch.text.length),
          imageTexts: [])
      }
    }

    // Polluted-tag contrastive loss on the pooled [CLS].
    if objectives.pollutedTags > 0 {
      try losses.add(
        .pollutedTags,
        PollutedTagContrastive.loss(logits: oscar.contrastiveLogits(hidden), labels: batch.labels))
    }

    // MVM in a second, conditionally masked pass.
    if let vision = inputs.vision, let heads = oscar.visionHeads {
      for (objective, loss) in try MaskedVisionModeling.oscarPass(
        model: oscar, heads: heads, batch: batch, vision: vision, objectives: objectives,
        context: context)
      {
        try losses.add(objective, loss)
      }
    }
    return losses.result(pseudoTargets: pseudoTargets)
  }

  func stepApplied(pairIndices: [Int]) throws {}
  func stepDiscarded() {}

  func checkpointState() -> (buffers: [NamedArray], metadata: [String: String]) { ([], [:]) }

  func restorer(for checkpoint: TrainingCheckpoint) throws -> () throws -> Void { {} }
}
