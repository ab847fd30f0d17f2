import Foundation
import NN
import Tensor

/// Saving and restoring a whole run. Every random draw of step s is derived from (seed, s), so a
/// run is fully described by its step, the weights (and ALBEF's momentum copy), AdamW's moments
/// and step count, and the family's own state (ALBEF's feature queues): restoring those
/// continues bit-identically.
extension Pretrainer {
  /// The configuration as the checkpoint stores it: sorted JSON, so equal configurations give
  /// equal text.
  public var configurationJSON: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(configuration)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
  }

  /// Copies the run's current state; `extra` adds the caller's metadata (the engine's variant
  /// name and wall time).
  public func checkpoint(extra: [String: String] = [:]) -> TrainingCheckpoint {
    var metadata = extra
    metadata[AdamW.stepCountKey] = String(optimizer.stepCount)
    let (buffers, familyMetadata) = family.checkpointState()
    metadata.merge(familyMetadata) { _, family in family }
    return TrainingCheckpoint.capture(
      step: step, config: configurationJSON, model: model, momentum: family.momentumModule,
      optimizerState: optimizer.stateTensors, buffers: buffers, extra: metadata)
  }

  /// Overwrites this run's state with `checkpoint`'s. Everything is checked before anything is
  /// written (names, shapes, the optimizer's step count, the family's state), so a checkpoint of
  /// another model leaves this one untouched and the error names the file and what differs.
  public func restore(from checkpoint: TrainingCheckpoint) throws {
    let path = checkpoint.source
    guard let countText = checkpoint.extra[AdamW.stepCountKey], let count = Int(countText),
      count == checkpoint.step
    else {
      throw CheckpointError.invalidMetadata(
        path: path, key: AdamW.stepCountKey,
        detail: "must equal the checkpoint's step \(checkpoint.step) (a vlp engine checkpoint "
          + "records the optimizer's step count there)")
    }
    let restoreFamilyState = try family.restorer(for: checkpoint)
    try checkpoint.restore(
      into: model, momentum: family.momentumModule, optimizerState: optimizer.stateTensors)
    try optimizer.restoreStepCount(count)
    try restoreFamilyState()
    step = checkpoint.step
  }
}
