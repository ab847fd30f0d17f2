import Synchronization

/// The autograd side of a tensor: whether a gradient flows into it, its gradient slot, and the
/// function that produced it. The graph links nodes, never tensors, so it holds no values: an
/// op's pullback keeps exactly the buffers its formula reads (see `GradientFunction`), and every
/// other forward intermediate is freed as soon as the forward drops its `Tensor`.
final class GradientNode {
  /// Elements of the tensor (and of its gradient).
  let count: Int
  /// True for parameters and for every result computed from one while gradients are recorded.
  var requiresGrad: Bool
  /// Accumulated gradient, allocated on first use.
  var gradStorage: TensorStorage?
  /// Dropped by `backward()` once its pullback has run, which frees what the op saved.
  var function: GradientFunction?
  /// Set when `backward()` dropped `function`: the graph is gone, and a later backward through
  /// this node must fail rather than treat it as a leaf.
  var consumed = false
  /// Position in recording order; backward visits nodes by decreasing sequence number.
  let sequence: UInt64

  init(count: Int, requiresGrad: Bool, function: GradientFunction?) {
    self.count = count
    self.requiresGrad = requiresGrad
    self.function = function
    self.sequence = nodeSequence.add(1, ordering: .relaxed).newValue
  }

  /// Pointer to the gradient buffer, allocating it zero-filled on first use. Pullbacks *add*
  /// into it, so gradients from several uses of a tensor accumulate.
  func accumulator() -> UnsafeMutablePointer<Float> {
    if let existing = gradStorage { return existing.pointer }
    let fresh = TensorStorage(count: count, zeroed: true)
    gradStorage = fresh
    return fresh.pointer
  }

  /// The accumulator when a gradient flows into this node, else nil (and nothing allocated).
  var accumulatorIfNeeded: UnsafeMutablePointer<Float>? {
    requiresGrad ? accumulator() : nil
  }
}

private let nodeSequence = Atomic<UInt64>(0)
