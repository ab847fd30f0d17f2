/// A Float32 tensor of any rank, row-major and contiguous, that can take part in reverse-mode
/// automatic differentiation.
///
/// A `Tensor` is a value with a node of the autograd graph (`GradientNode`): leaves are
/// parameters and inputs; every op's result's node keeps a `GradientFunction` with its inputs'
/// nodes and its pullback. The graph holds nodes, not tensors, so a value lives only as long as
/// the code holds its tensor or a pullback reads it. `backward()` walks the nodes reachable from
/// a loss in reverse recording order (see Autograd/Backward.swift).
///
/// Thread safety: a tensor and its graph belong to one thread at a time (the trainer owns the
/// model); values are handed to other threads as copies (`scalars`). It is marked
/// `@unchecked Sendable` so that an owner can move a model to its own thread.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
  public let shape: Shape
  public let storage: TensorStorage
  /// This tensor's place in the autograd graph: its gradient slot and the op that produced it.
  let gradientNode: GradientNode

  init(shape: Shape, storage: TensorStorage, requiresGrad: Bool, gradientFunction: GradientFunction?) {
    precondition(storage.count == shape.count, "storage of \(storage.count) for shape \(shape)")
    self.shape = shape
    self.storage = storage
    self.gradientNode = GradientNode(
      count: shape.count, requiresGrad: requiresGrad, function: gradientFunction)
  }

  /// True for parameters and for every result computed from one while gradients are recorded.
  public var requiresGrad: Bool { gradientNode.requiresGrad }

  /// Accumulated gradient, allocated on first use; same shape as the tensor.
  public internal(set) var gradStorage: TensorStorage? {
    get { gradientNode.gradStorage }
    set { gradientNode.gradStorage = newValue }
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
  public var isLeaf: Bool { gradientNode.function == nil && !gradientNode.consumed }

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
    gradientNode.requiresGrad = flag
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
  func gradientAccumulator() -> UnsafeMutablePointer<Float> { gradientNode.accumulator() }

  public var description: String {
    let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor\(shape) [\(preview)\(count > 8 ? ", ..." : "")]"
  }
}
