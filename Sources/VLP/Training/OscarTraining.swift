import NN
import Tensor

/// Oscar's pretraining step (run_oscarplus_pretrain.py in vanilla mode): the masked token loss
/// over words and tags plus the polluted-tag contrastive loss on the pooled [CLS], unweighted
/// in the official code (weights here come from the session).
final class OscarTraining {
  let model: OscarModel
  let objectives: ObjectiveConfiguration

  init(
    configuration: PretrainingConfiguration, data: PretrainingData, random: inout RandomGenerator
  ) throws {
    model = try OscarModel(
      configuration: configuration.model, vocabularySize: data.vocabularySize,
      regionInputSize: data.regionInputSize,
      pollutionClasses: configuration.objectives.pollutionClasses,
      objectives: configuration.objectives, random: &random)
    objectives = configuration.objectives
  }

  func step(
    _ batch: OscarBatch, vision: MaskedVision?, context: ForwardContext, capturePseudoTargets: Bool
  ) throws -> (
    total: Tensor, losses: [NamedValue], pseudoTargets: PseudoTargets?
  ) {
    let hidden = try model(
      ids: batch.maskedIDs, segments: batch.segments, textMask: batch.text.mask,
      regions: batch.regions, regionMask: batch.regionMask, context: context)
    var total = Tensor(scalar: 0)
    var losses: [NamedValue] = []
    var pseudoTargets: PseudoTargets?
    if objectives.mlm > 0 {
      let logits = try model.maskedTokenLogits(hidden, positions: batch.sequencePositions)
      let mlm = try MaskedLanguageModeling.loss(
        logits: logits, targets: batch.masked.targets, momentumLogits: nil, alpha: 0)
      total = try total + mlm * objectives.mlm
      losses.append(NamedValue("mlm", try mlm.item()))
      if capturePseudoTargets {
        // Oscar keeps no momentum model: the "teacher" column repeats the student's view.
        let positions = PseudoTargetCapture.maskedPositions(
          student: logits, teacher: logits, masked: batch.masked, length: batch.text.length)
        pseudoTargets = PseudoTargets(
          pairIndices: batch.pairIndices, maskedPositions: positions, imageTexts: [])
      }
    }
    if objectives.pollutedTags > 0 {
      let contrastive = try Tensor.crossEntropy(
        logits: model.contrastiveLogits(hidden), targets: IndexTensor(batch.labels))
      total = try total + contrastive * objectives.pollutedTags
      losses.append(NamedValue("pollutedTags", try contrastive.item()))
    }
    if let vision, let heads = model.visionHeads {
      // UNITER's conditional masking: a second pass with the caption and tags unmasked.
      let textLength = batch.text.length
      let hidden = try model(
        ids: batch.text.ids, segments: batch.segments, textMask: batch.text.mask,
        regions: heads.masked(batch.regions, vision), regionMask: batch.regionMask,
        context: context)
      let stride = textLength + vision.slots
      let rows = vision.positions.map {
        ($0 / vision.slots) * stride + textLength + $0 % vision.slots
      }
      for term in try MaskedVisionModeling.losses(
        heads: heads, hidden: hidden.rows(atFlatPositions: rows), vision: vision,
        objectives: objectives)
      {
        total = try total + term.loss * term.weight
        losses.append(NamedValue(term.name, try term.loss.item()))
      }
    }
    return (total, losses, pseudoTargets)
  }
}
