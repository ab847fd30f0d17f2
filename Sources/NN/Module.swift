import Tensor

/// A layer or model: it owns parameters (leaf tensors that require gradients) and child modules,
/// each under a stable name. The hierarchical names (`text.layers.0.attention.query.weight`)
/// are what checkpoints, the optimizer and momentum copies match parameters by.
///
/// Modules are reference types: the optimizer updates the parameters' storage in place, and a
/// momentum copy is a separate module of the same structure (see `MomentumCopy`).
public protocol Module: AnyObject {
  /// This module's own parameters, in a fixed order, named relative to the module (`weight`).
  var ownParameters: [(name: String, tensor: Tensor)] { get }
  /// Child modules, in a fixed order, named relative to the module (`attention`, `layers.0`).
  var children: [(name: String, module: any Module)] { get }
}

extension Module {
  public var ownParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [] }

  /// Every parameter of this module and its descendants with its full dotted name, depth first
  /// in declaration order: the same order on every run, which keeps optimizer state and
  /// checkpoints aligned.
  public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
    var result: [(name: String, tensor: Tensor)] = []
    var stack: [(prefix: String, module: any Module)] = [(prefix, self)]
    while let (path, module) = stack.popLast() {
      for (name, tensor) in module.ownParameters {
        result.append((path.isEmpty ? name : "\(path).\(name)", tensor))
      }
      for (name, child) in module.children.reversed() {
        stack.append((path.isEmpty ? name : "\(path).\(name)", child))
      }
    }
    return result
  }

  public var parameters: [Tensor] { namedParameters().map(\.tensor) }

  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  public func zeroGradients() {
    for parameter in parameters { parameter.zeroGrad() }
  }
}
