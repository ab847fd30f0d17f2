/// What an op leaves on its result: the inputs it read and a pullback that, given the gradient
/// of the result, *adds* the gradient of each input that requires one into that input's buffer.
///
/// Pullbacks capture input storages and saved values, never the result `Tensor` itself, so the
/// graph holds no reference cycles and is freed with the loss.
final class GradientFunction {
  let name: String
  let inputs: [Tensor]
  let pullback: (UnsafePointer<Float>) -> Void

  init(name: String, inputs: [Tensor], pullback: @escaping (UnsafePointer<Float>) -> Void) {
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
  /// Builds an op's result. The pullback closure is kept only when gradients are being recorded
  /// and some input requires one; otherwise the result is a plain leaf and `pullback` is dropped.
  static func result(
    _ name: String, shape: Shape, storage: TensorStorage, inputs: [Tensor],
    pullback: @escaping (UnsafePointer<Float>) -> Void
  ) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else {
      return Tensor(shape: shape, storage: storage)
    }
    let function = GradientFunction(name: name, inputs: inputs, pullback: pullback)
    return Tensor(shape: shape, storage: storage, requiresGrad: true, gradientFunction: function)
  }
}
