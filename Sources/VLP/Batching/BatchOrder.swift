import Tensor

/// The order in which training pairs are visited: a fresh seeded permutation of the training
/// split every epoch, cut into full batches (the last partial batch is dropped, as ALBEF's
/// queue requires). Stateless: the batch of any step is computed from (seed, step), so a resumed
/// run sees exactly the batches an uninterrupted one would, and variants share the order.
public struct BatchOrder: Sendable {
  public let indices: [Int]
  public let batchSize: Int
  public let seed: UInt64

  public init(indices: [Int], batchSize: Int, seed: UInt64) throws {
    guard indices.count >= batchSize else {
      throw DataError.invalidConfiguration(
        field: "training.batchSize",
        reason:
          "the training split has \(indices.count) pairs, fewer than one batch of \(batchSize)")
    }
    self.indices = indices
    self.batchSize = batchSize
    self.seed = seed
  }

  public var batchesPerEpoch: Int { indices.count / batchSize }

  /// The pair indices of training step `step` (0-based).
  public func batch(at step: Int) -> [Int] {
    let epoch = step / batchesPerEpoch
    let offset = (step % batchesPerEpoch) * batchSize
    var permutation = indices
    var random = RandomGenerator(seed: StreamSeed.derive(seed, stream: .dataOrder, index: epoch))
    random.shuffle(&permutation)
    return Array(permutation[offset..<offset + batchSize])
  }
}

/// Independent random streams of a run, each derived from the run's seed and a step (or epoch),
/// so every draw can be recomputed without replaying earlier steps.
public enum StreamSeed {
  public enum Stream: UInt64, Sendable {
    case dataOrder = 1, masking, dropout, negatives, pollution, evaluation, initialisation, queue
    case visionMasking, rewriting
  }

  public static func derive(_ seed: UInt64, stream: Stream, index: Int) -> UInt64 {
    var x = seed &* 0x9E37_79B9_7F4A_7C15 &+ stream.rawValue &* 0xBF58_476D_1CE4_E5B9
    x = x &+ UInt64(truncatingIfNeeded: index) &* 0x94D0_49BB_1331_11EB
    // SplitMix64's finaliser spreads nearby (seed, stream, index) triples apart.
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    return x ^ (x >> 31)
  }
}
