extension Tensor {
  /// Reverse-mode differentiation from this tensor.
  ///
  /// Seeds the gradient (1 for a one-element tensor, or `gradient`), collects the nodes reachable
  /// through inputs that require gradients (an explicit stack, no recursion), and runs their
  /// pullbacks in decreasing recording order, which is a valid reverse topological order because
  /// every node is recorded after its inputs. Gradients of leaves accumulate across calls;
  /// gradients of intermediate results are released after use unless `retainGradients` is set.
  /// The graph is consumed: each node's saved values are freed once its pullback has run, so a
  /// second `backward()` through the same results throws (as PyTorch without `retain_graph`)
  /// before it changes any gradient.
  public func backward(gradient: Tensor? = nil, retainGradients: Bool = false) throws {
    guard requiresGrad else {
      throw TensorError.noGradient(
        detail: "this tensor does not require a gradient (no parameter reaches it, or it was computed under noGrad)")
    }
    var order: [GradientNode] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [GradientNode] = [gradientNode]
    visited.insert(ObjectIdentifier(gradientNode))
    while let node = stack.popLast() {
      guard !node.consumed else {
        throw TensorError.noGradient(
          detail: "backward() already ran through this result and freed its graph: compute the loss again")
      }
      guard let function = node.function else { continue }
      order.append(node)
      for input in function.inputs where input.requiresGrad {
        if visited.insert(ObjectIdentifier(input)).inserted { stack.append(input) }
      }
    }
    let seed = gradientAccumulator()
    if let gradient {
      guard gradient.shape == shape else {
        throw TensorError.shapeMismatch(
          op: "backward", detail: "gradient of shape \(gradient.shape) for a tensor of shape \(shape)")
      }
      for i in 0..<count { seed[i] += gradient.storage.pointer[i] }
    } else {
      guard count == 1 else { throw TensorError.notScalar(op: "backward", shape: shape) }
      seed[0] += 1
    }

    // Increasing order, consumed from the back: each node leaves `order` as soon as its
    // pullback has run, and its `GradientFunction` (the input nodes and the values it saved) is
    // dropped with it, so the graph shrinks while backward runs instead of after it.
    order.sort { $0.sequence < $1.sequence }
    while let node = order.popLast() {
      guard let function = node.function else { continue }
      node.function = nil
      node.consumed = true
      guard let gradient = node.gradStorage else { continue }
      function.pullback(gradient.pointer)
      if !retainGradients { node.gradStorage = nil }
    }
  }
}
