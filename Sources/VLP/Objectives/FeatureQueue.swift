import Tensor

/// Everything a `FeatureQueue` holds, as plain values for checkpoints: restoring it gives back
/// the same queue bit for bit.
public struct FeatureQueueState: Sendable, Equatable, Codable {
  public var capacity: Int
  public var dimension: Int
  /// (capacity, dimension) row-major.
  public var features: [Float]
  public var pairIndices: [Int]
  public var pointer: Int
  public var realCount: Int

  public init(
    capacity: Int, dimension: Int, features: [Float], pairIndices: [Int], pointer: Int,
    realCount: Int
  ) {
    self.capacity = capacity
    self.dimension = dimension
    self.features = features
    self.pairIndices = pairIndices
    self.pointer = pointer
    self.realCount = realCount
  }
}

/// ALBEF's `image_queue` / `text_queue` (models/model_pretrain.py) with the `idx_queue` of its
/// retrieval model: a ring of `capacity` momentum features of dimension E.
///
/// As in the official code the slots start as standard normal vectors, L2-normalised, so that
/// ITC has `capacity` (random) negatives from the first step; their pair index is -1. Each
/// `enqueue` overwrites `batchSize` rows at `pointer` and advances it modulo the capacity, which
/// must therefore be a multiple of the batch size (ALBEF asserts the same).
public final class FeatureQueue {
  public let capacity: Int
  public let dimension: Int
  public let batchSize: Int
  /// The pair (dataset) index of the feature in each slot; -1 for the random initial rows.
  public private(set) var pairIndices: [Int]
  /// The next slot to overwrite.
  public private(set) var pointer: Int
  /// Slots holding enqueued (real) features, at most `capacity`: the UI's "queue fill".
  public private(set) var realCount: Int
  private var storage: TensorStorage

  public init(capacity: Int, dimension: Int, batchSize: Int, random: inout RandomGenerator) throws {
    guard batchSize > 0 else {
      throw ObjectiveError.invalidConfiguration(
        field: "batchSize", reason: "must be at least 1, got \(batchSize)")
    }
    guard dimension > 0 else {
      throw ObjectiveError.invalidConfiguration(
        field: "embedDim", reason: "must be at least 1, got \(dimension)")
    }
    guard capacity >= 0, capacity % batchSize == 0 else {
      throw ObjectiveError.invalidConfiguration(
        field: "queueSize", reason: FeatureQueue.capacityAdvice(capacity, batchSize: batchSize))
    }
    self.capacity = capacity
    self.dimension = dimension
    self.batchSize = batchSize
    pairIndices = [Int](repeating: -1, count: capacity)
    pointer = 0
    realCount = 0
    storage = TensorStorage(count: capacity * dimension, zeroed: false)
    let rows = storage.pointer
    for row in 0..<capacity {
      // torch.randn then normalize(dim=0) over (E, Q): each queue entry is a unit vector.
      var squares = 0.0
      for k in 0..<dimension {
        let value = random.nextNormal()
        rows[row * dimension + k] = Float(value)
        squares += value * value
      }
      let scale = Float(1 / max(squares.squareRoot(), 1e-12))
      for k in 0..<dimension { rows[row * dimension + k] *= scale }
    }
  }

  /// The queue as a (capacity, E) tensor without gradient. It shares the queue's buffer; a
  /// later `enqueue` copies the buffer first while such a tensor is alive (copy on write), so a
  /// tensor read before an enqueue keeps its values.
  public var features: Tensor {
    Tensor(shape: Shape([capacity, dimension]), storage: storage)
  }

  /// Writes a batch of momentum features (B, E) and their pair indices at `pointer`, after the
  /// loss has used the queue (ALBEF's `_dequeue_and_enqueue`). B must equal `batchSize`.
  public func enqueue(_ features: Tensor, pairIndices indices: [Int]) throws {
    guard features.rank == 2, features.shape[0] == batchSize, features.shape[1] == dimension
    else {
      throw ObjectiveError.shapeMismatch(
        objective: "FeatureQueue.enqueue",
        detail: "features \(features.shape) must have shape (\(batchSize), \(dimension)): "
          + "(batch size, embedding dimension); a short last batch needs drop-last batching")
    }
    guard indices.count == batchSize else {
      throw ObjectiveError.shapeMismatch(
        objective: "FeatureQueue.enqueue",
        detail: "\(indices.count) pair indices for a batch of \(batchSize) features")
    }
    guard capacity > 0 else { return }
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    let (source, rows) = (features.storage.pointer, storage.pointer)
    for b in 0..<batchSize {
      let slot = (pointer + b) % capacity
      (rows + slot * dimension).update(from: source + b * dimension, count: dimension)
      pairIndices[slot] = indices[b]
    }
    pointer = (pointer + batchSize) % capacity
    realCount = min(capacity, realCount + batchSize)
  }

  public func state() -> FeatureQueueState {
    FeatureQueueState(
      capacity: capacity, dimension: dimension, features: storage.array,
      pairIndices: pairIndices, pointer: pointer, realCount: realCount)
  }

  /// Restores a state taken from a queue of the same capacity and dimension.
  public func restore(_ state: FeatureQueueState) throws {
    let objective = "FeatureQueue.restore"
    guard state.capacity == capacity, state.dimension == dimension else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "saved queue (\(state.capacity), \(state.dimension)) does not fit this queue "
          + "(\(capacity), \(dimension)): queueSize and embedDim must match the checkpoint")
    }
    guard state.features.count == capacity * dimension, state.pairIndices.count == capacity else {
      throw ObjectiveError.shapeMismatch(
        objective: objective,
        detail: "saved queue holds \(state.features.count) values and \(state.pairIndices.count) "
          + "pair indices; expected \(capacity * dimension) and \(capacity)")
    }
    guard state.pointer >= 0, state.pointer < max(1, capacity),
      state.realCount >= 0, state.realCount <= capacity
    else {
      throw ObjectiveError.invalidValue(
        objective: objective,
        detail: "pointer \(state.pointer) or filled slots \(state.realCount) out of range for "
          + "capacity \(capacity)")
    }
    storage = TensorStorage(state.features)
    pairIndices = state.pairIndices
    pointer = state.pointer
    realCount = state.realCount
  }

  /// Why a queue size is refused, with the nearest valid sizes.
  static func capacityAdvice(_ capacity: Int, batchSize: Int) -> String {
    let lower = max(0, capacity / batchSize * batchSize)
    let upper = lower + batchSize
    let options = lower > 0 ? "try \(lower) or \(upper)" : "try \(upper)"
    return "\(capacity) must be a non-negative multiple of the batch size (\(batchSize)), "
      + "because every step enqueues one whole batch: \(options), or 0 for no queue"
  }
}
