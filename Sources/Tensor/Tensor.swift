import Synchronization

/// A Float32 tensor of any rank, row-major and contiguous, that can take part in reverse-mode
/// automatic differentiation.
///
/// A `Tensor` is a node of the autograd graph: leaves are parameters and inputs; every op's result
/// keeps a `GradientFunction` with the op's inputs and its pullback. `backward()` walks the nodes
/// reachable from a loss in reverse recording order (see Autograd/Backward.swift).
///
/// Thread safety: a tensor and its graph belong to one thread at a time (the trainer owns the
/// model); values are handed to other threads as copies (`scalars`). It is marked
/// `@unchecked Sendable` so that an owner can move a model to its own thread.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
  public let shape: Shape
  public let storage: TensorStorage
  /// True for parameters and for every result computed from one while gradients are recorded.
  public private(set) var requiresGrad: Bool
  /// Accumulated gradient, allocated on first use; same shape as the tensor.
  public internal(set) var gradStorage: TensorStorage?
  /// Dropped by `backward()` once its pullback has run, which frees what the op saved.
  var gradientFunction: GradientFunction?
  /// Set when `backward()` dropped this result's `gradientFunction`: its graph is gone, and a
  /// later backward through it must fail rather than treat it as a leaf.
  var gradientConsumed = false
  /// Position in recording order; backward visits nodes by decreasing sequence number.
  let sequence: UInt64

  init(shape: Shape, storage: TensorStorage, requiresGrad: Bool, gradientFunction: GradientFunction?) {
    precondition(storage.count == shape.count, "storage of \(storage.count) for shape \(shape)")
    self.shape = shape
    self.storage = storage
    self.requiresGrad = requiresGrad
    self.gradientFunction = gradientFunction
    self.sequence = tensorSequence.add(1, ordering: .relaxed).newValue
  }

  /// A leaf tensor over existing storage (shared, not copied).
  public convenience init(shape: Shape, storage: TensorStorage) {
    self.init(shape: shape, storage: storage, requiresGrad: false, gradientFunction: nil)
  }

  /// A leaf tensor holding `values` (row-major); throws when the count does not fit the shape.
  public convenience init(shape: Shape, values: [Float]) throws {
    guard values.count == shape.count else {
      throw TensorError.elementCountMismatch(expected: shape.count, got: values.count, shape: shape)
    }
    self.init(shape: shape, storage: TensorStorage(values))
  }

  /// A rank-1 tensor.
  public convenience init(_ values: [Float]) {
    self.init(shape: Shape([values.count]), storage: TensorStorage(values))
  }

  /// A rank-0 tensor.
  public convenience init(scalar: Float) {
    self.init(shape: Shape([]), storage: TensorStorage([scalar]))
  }

  public var rank: Int { shape.rank }
  public var count: Int { shape.count }
  public var dimensions: [Int] { shape.dimensions }
  public var scalars: [Float] { storage.array }
  public var isLeaf: Bool { gradientFunction == nil && !gradientConsumed }

  /// The single value of a one-element tensor.
  public func item() throws -> Float {
    guard count == 1 else { throw TensorError.notScalar(op: "item", shape: shape) }
    return storage.pointer[0]
  }

  /// The gradient as a tensor (shares the gradient buffer; never itself differentiable).
  public var grad: Tensor? {
    gradStorage.map { Tensor(shape: shape, storage: $0) }
  }

  /// Marks a leaf as a parameter: gradients flow into it and accumulate until `zeroGrad()`.
  @discardableResult
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    precondition(isLeaf, "requiringGrad: only leaf tensors can be marked")
    requiresGrad = flag
    return self
  }

  /// The same values, cut from the graph: no gradient flows through the result. Shares storage.
  public func detached() -> Tensor {
    Tensor(shape: shape, storage: storage)
  }

  /// A deep copy of the values, cut from the graph.
  public func copied() -> Tensor {
    Tensor(shape: shape, storage: storage.copy())
  }

  public func zeroGrad() { gradStorage = nil }

  /// Pointer to this tensor's gradient buffer, allocating it zero-filled on first use. Pullbacks
  /// *add* into it, so gradients from several uses of a tensor accumulate.
  func gradientAccumulator() -> UnsafeMutablePointer<Float> {
    if let existing = gradStorage { return existing.pointer }
    let fresh = TensorStorage(count: shape.count, zeroed: true)
    gradStorage = fresh
    return fresh.pointer
  }

  public var description: String {
    let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor\(shape) [\(preview)\(count > 8 ? ", ..." : "")]"
  }
}

private let tensorSequence = Atomic<UInt64>(0)
