import Tensor

/// An exponential-moving-average copy of a module (ALBEF's momentum encoders):
/// p_m ← m · p_m + (1 − m) · p after every step, m = 0.995 by default. The copy starts equal to
/// the model, never requires gradients, and is updated in place outside the autograd graph.
public final class MomentumCopy {
  public let model: any Module
  public let copy: any Module
  public let momentum: Float
  private let pairs: [(source: Tensor, target: Tensor)]

  /// `copy` must have the same structure (names and shapes) as `model`, e.g. built by the same
  /// initialiser; its values are overwritten with the model's.
  public init(of model: any Module, copy: any Module, momentum: Float = 0.995) throws {
    let sources = model.namedParameters()
    let targets = copy.namedParameters()
    guard sources.map(\.name) == targets.map(\.name) else {
      let missing = Set(sources.map(\.name)).symmetricDifference(targets.map(\.name)).sorted()
      throw TensorError.invalidArgument(
        op: "MomentumCopy", detail: "the copy's parameters differ from the model's: \(missing.prefix(5))")
    }
    for (source, target) in zip(sources, targets) where source.tensor.shape != target.tensor.shape {
      throw TensorError.shapeMismatch(
        op: "MomentumCopy", detail: "\(source.name): model \(source.tensor.shape), copy \(target.tensor.shape)")
    }
    guard momentum >= 0, momentum <= 1 else {
      throw TensorError.invalidArgument(op: "MomentumCopy", detail: "momentum \(momentum) must be in [0, 1]")
    }
    self.model = model
    self.copy = copy
    self.momentum = momentum
    pairs = zip(sources, targets).map { ($0.tensor, $1.tensor) }
    for (source, target) in pairs {
      target.requiringGrad(false)
      target.storage.pointer.update(from: source.storage.pointer, count: source.count)
    }
  }

  /// p_m ← m · p_m + (1 − m) · p for every parameter pair.
  public func update() {
    let m = momentum
    let buffers = pairs.map { (p: $0.source.storage.pointer, pm: $0.target.storage.pointer) }
    // One loop over all pairs, split across threads by element (same bits on any count).
    Parallel.forSegments(counts: pairs.map(\.source.count)) { segment, elements in
      let (p, pm) = buffers[segment]
      for i in elements { pm[i] = m * pm[i] + (1 - m) * p[i] }
    }
  }
}
