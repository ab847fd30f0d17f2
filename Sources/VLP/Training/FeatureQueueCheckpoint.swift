import NN

/// ALBEF's feature queues in a checkpoint: each queue's features as a `buffer.` tensor and its
/// ring position and pair indices as metadata, so a resumed run continues bit-identically.
extension ALBEFTraining {
  /// Metadata keys of the queue positions (the queue features travel as `buffer.` tensors).
  static let imageQueueKey = "queue.image"
  static let textQueueKey = "queue.text"

  func checkpointState() -> (buffers: [NamedArray], metadata: [String: String]) {
    var buffers: [NamedArray] = []
    var metadata: [String: String] = [:]
    for (key, queue) in [(Self.imageQueueKey, imageQueue), (Self.textQueueKey, textQueue)] {
      let state = queue.state()
      buffers.append(
        NamedArray(name: key, shape: [state.capacity, state.dimension], values: state.features))
      metadata[key] = QueuePosition(state).text
    }
    return (buffers, metadata)
  }

  func restorer(for checkpoint: TrainingCheckpoint) throws -> () throws -> Void {
    let path = checkpoint.source
    var queues: [(FeatureQueue, FeatureQueueState)] = []
    for (key, queue) in [(Self.imageQueueKey, imageQueue), (Self.textQueueKey, textQueue)] {
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
    return { for (queue, state) in queues { try queue.restore(state) } }
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
