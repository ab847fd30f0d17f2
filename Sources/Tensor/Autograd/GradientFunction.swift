/// What an op leaves on its result's node: the nodes of the inputs it read and a pullback that,
/// given the gradient of the result, *adds* the gradient of each input that requires one into
/// that input's buffer.
///
/// The inputs are `GradientNode`s (gradient slots), not `Tensor`s: the graph keeps no values.
/// A pullback captures the input nodes it adds into and the storages its formula reads, and
/// nothing else: never a `Tensor` (that would keep its values alive until backward reaches the
/// node) and never the result's node (no reference cycles; the graph is freed with the loss).
/// An op whose gradient reads no values (add, reshape, slice, concatenate) keeps none.
final class GradientFunction {
  let name: String
  let inputs: [GradientNode]
  let pullback: (UnsafePointer<Float>) -> Void

  init(name: String, inputs: [GradientNode], pullback: @escaping (UnsafePointer<Float>) -> Void) {
    self.name = name
    self.inputs = inputs
    self.pullback = pullback
  }
}

/// Gradient recording is on by default and switched off per thread (and per task) by `noGrad`.
public enum GradMode {
  @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients: results do not require grad and keep no graph.
/// Used for momentum models, targets and evaluation.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
  /// This tensor's node when a gradient flows into it, else nil: what a pullback captures to add
  /// an input's gradient.
  var gradientNodeIfRequired: GradientNode? { requiresGrad ? gradientNode : nil }

  /// True when this op's result will record a pullback: gradients are being recorded and some
  /// input requires one. Ops use it to skip saving values for a backward that cannot run.
  static func recordsGradient(_ inputs: [Tensor]) -> Bool {
    GradMode.isEnabled && inputs.contains { $0.requiresGrad }
  }

  /// Builds an op's result. The pullback closure is kept only when gradients are being recorded
  /// and some input requires one; otherwise the result is a plain leaf and `pullback` (with
  /// everything it captured) is dropped at once.
  static func result(
    _ name: String, shape: Shape, storage: TensorStorage, inputs: [Tensor],
    pullback: @escaping (UnsafePointer<Float>) -> Void
  ) -> Tensor {
    guard recordsGradient(inputs) else { return Tensor(shape: shape, storage: storage) }
    let function = GradientFunction(
      name: name, inputs: inputs.map(\.gradientNode), pullback: pullback)
    return Tensor(shape: shape, storage: storage, requiresGrad: true, gradientFunction: function)
  }
}
