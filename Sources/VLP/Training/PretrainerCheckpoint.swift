import Foundation
import NN
import Tensor

/// Saving and restoring a whole run. Every random draw of step s is derived from (seed, s), so a
/// run is fully described by its step, the weights (and ALBEF's momentum copy), AdamW's moments
/// and step count, and ALBEF's feature queues: restoring those continues bit-identically.
extension Pretrainer {
  /// Metadata keys of the queue positions (the queue features travel as `buffer.` tensors).
  static let imageQueueKey = "queue.image"
  static let textQueueKey = "queue.text"

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
    var buffers: [NamedArray] = []
    var metadata = extra
    metadata[AdamW.stepCountKey] = String(optimizer.stepCount)
    if let albef {
      for (key, queue) in [(Self.imageQueueKey, albef.imageQueue), (Self.textQueueKey, albef.textQueue)] {
        let state = queue.state()
        buffers.append(
          NamedArray(name: key, shape: [state.capacity, state.dimension], values: state.features))
        metadata[key] = QueuePosition(state).text
      }
    }
    return TrainingCheckpoint.capture(
      step: step, config: configurationJSON, model: model, momentum: momentumModel,
      optimizerState: optimizer.stateTensors, buffers: buffers, extra: metadata)
  }

  /// Overwrites this run's state with `checkpoint`'s. Everything is checked before anything is
  /// written (names, shapes, the optimizer's step count, the queues), so a checkpoint of another
  /// model leaves this one untouched and the error names the file and what differs.
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
    var queues: [(FeatureQueue, FeatureQueueState)] = []
    if let albef {
      for (key, queue) in [(Self.imageQueueKey, albef.imageQueue), (Self.textQueueKey, albef.textQueue)] {
        guard let features = checkpoint.buffers.first(where: { $0.name == key }),
          let position = checkpoint.extra[key].flatMap(QueuePosition.init(text:))
        else {
          throw CheckpointError.invalidMetadata(
            path: path, key: key,
            detail: "missing: an ALBEF checkpoint holds its feature queues (buffer.\(key) and "
              + "the \(key) metadata)")
        }
        guard features.shape == [queue.capacity, queue.dimension] else {
          throw CheckpointError.mismatch(
            path: path,
            problems: [
              "buffer.\(key) is \(features.shapeDescription) but this run's queue is "
                + "(\(queue.capacity), \(queue.dimension)): objectives.queueSize and "
                + "model.embeddingDimension must match the checkpoint"
            ], totalProblems: 1)
        }
        queues.append(
          (queue, FeatureQueueState(
            capacity: queue.capacity, dimension: queue.dimension, features: features.values,
            pairIndices: position.pairIndices, pointer: position.pointer,
            realCount: position.realCount)))
      }
    }
    try checkpoint.restore(
      into: model, momentum: momentumModel, optimizerState: optimizer.stateTensors)
    try optimizer.restoreStepCount(count)
    for (queue, state) in queues { try queue.restore(state) }
    step = checkpoint.step
  }
}

/// A queue's ring position and the pair index of each slot, as one metadata string:
/// `pointer realCount index0,index1,...`.
struct QueuePosition {
  var pointer: Int
  var realCount: Int
  var pairIndices: [Int]

  init(_ state: FeatureQueueState) {
    (pointer, realCount, pairIndices) = (state.pointer, state.realCount, state.pairIndices)
  }

  init?(text: String) {
    let parts = text.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 3, let pointer = Int(parts[0]), let realCount = Int(parts[1]) else {
      return nil
    }
    let indices = parts[2].split(separator: ",").map { Int($0) }
    guard indices.allSatisfy({ $0 != nil }) else { return nil }
    (self.pointer, self.realCount, pairIndices) = (pointer, realCount, indices.map { $0! })
  }

  var text: String {
    "\(pointer) \(realCount) " + pairIndices.map(String.init).joined(separator: ",")
  }
}
