/// Softmax, log-softmax, layer norm and L2 normalisation as autograd ops over the fused kernels
/// (Kernels/SoftmaxKernel.swift, Kernels/LayerNormKernel.swift).
extension Tensor {
  /// softmax along `axis` (default the last): e^(x - max) / sum e^(x - max).
  public func softmax(axis: Int = -1) throws -> Tensor {
    try softmaxOp("softmax", axis: axis, logarithm: false)
  }

  /// log_softmax along `axis` (default the last): (x - max) - log sum e^(x - max).
  public func logSoftmax(axis: Int = -1) throws -> Tensor {
    try softmaxOp("logSoftmax", axis: axis, logarithm: true)
  }

  private func softmaxOp(_ name: String, axis: Int, logarithm: Bool) throws -> Tensor {
    let (outer, size, inner) = try normalizationAxisView(axis, op: name)
    let output = TensorStorage(count: count, zeroed: false)
    if inner == 1 {
      SoftmaxKernel.forward(
        storage.pointer, output.pointer, rows: outer, columns: size, logarithm: logarithm)
    } else {
      SoftmaxKernel.forward(
        storage.pointer, output.pointer, outer: outer, size: size, inner: inner,
        logarithm: logarithm)
    }
    let node = gradientNode  // the gradient reads the output only
    return Tensor.result(name, shape: shape, storage: output, inputs: [self]) { g in
      let gx = node.accumulator()
      if inner == 1 {
        SoftmaxKernel.backward(
          output.pointer, g, gx, rows: outer, columns: size, logarithm: logarithm)
      } else {
        SoftmaxKernel.backward(
          output.pointer, g, gx, outer: outer, size: size, inner: inner, logarithm: logarithm)
      }
    }
  }

  /// Layer normalisation over the last axis: (x - mean) / sqrt(var + epsilon) * gamma + beta,
  /// with the biased variance. `gamma` and `beta` have shape (n) for a last axis of n, or are nil
  /// (1 and 0). `epsilon` defaults to PyTorch's 1e-5; BERT uses 1e-12.
  public func layerNorm(
    gamma: Tensor?, beta: Tensor?, epsilon: Float = LayerNormKernel.defaultEpsilon
  ) throws -> Tensor {
    guard rank >= 1 else {
      throw TensorError.invalidArgument(
        op: "layerNorm", detail: "needs a tensor of rank 1 or more, got shape \(shape)")
    }
    let n = shape.last
    try checkLayerNormArguments(gamma: gamma, beta: beta, epsilon: epsilon)
    let rows = n == 0 ? 0 : count / n
    let output = TensorStorage(count: count, zeroed: false)
    let mean = TensorStorage(count: rows, zeroed: false)
    let rstd = TensorStorage(count: rows, zeroed: false)
    LayerNormKernel.forward(
      storage.pointer, gamma: gamma?.storage.pointer, beta: beta?.storage.pointer, output.pointer,
      mean: mean.pointer, reciprocalStandardDeviation: rstd.pointer, rows: rows, columns: n,
      epsilon: epsilon)
    let inputs = [self] + [gamma, beta].compactMap { $0 }
    // Kept: the input (with mean and rstd it gives the normalised values) and gamma.
    let (kept, gammaStorage) = (storage, gamma?.storage)
    let node = gradientNode
    let (gammaNode, betaNode) = (gamma?.gradientNodeIfRequired, beta?.gradientNodeIfRequired)
    let needsX = requiresGrad
    return Tensor.result("layerNorm", shape: shape, storage: output, inputs: inputs) { g in
      LayerNormKernel.backward(
        kept.pointer, gamma: gammaStorage?.pointer, mean: mean.pointer,
        reciprocalStandardDeviation: rstd.pointer, g,
        gx: needsX ? node.accumulator() : nil, gGamma: gammaNode?.accumulator(),
        gBeta: betaNode?.accumulator(), rows: rows, columns: n)
    }
  }

  /// x / max(||x||_2, epsilon) along `axis`, as `torch.nn.functional.normalize`. Where the norm
  /// reaches epsilon the gradient is (g - y sum(g y)) / ||x||; below it, where the denominator is
  /// the constant epsilon, it is g / epsilon.
  public func l2Normalized(axis: Int = -1, epsilon: Float = 1e-12) throws -> Tensor {
    guard epsilon >= 0, epsilon.isFinite else {
      throw TensorError.invalidArgument(
        op: "l2Normalized", detail: "epsilon must be finite and >= 0, got \(epsilon)")
    }
    let (outer, size, inner) = try normalizationAxisView(axis, op: "l2Normalized")
    let output = TensorStorage(count: count, zeroed: false)
    let norms = TensorStorage(count: outer * inner, zeroed: false)
    L2NormalizeKernel.forward(
      storage.pointer, output.pointer, norms: norms.pointer, outer: outer, size: size, inner: inner,
      epsilon: epsilon)
    let node = gradientNode  // the gradient reads the output and the norms only
    return Tensor.result("l2Normalized", shape: shape, storage: output, inputs: [self]) { g in
      L2NormalizeKernel.backward(
        output.pointer, g, node.accumulator(), norms: norms.pointer, outer: outer,
        size: size, inner: inner, epsilon: epsilon)
    }
  }

  /// The (outer, size, inner) view for an op along `axis`; a rank-0 tensor is one row of one.
  private func normalizationAxisView(_ axis: Int, op: String) throws -> (
    outer: Int, size: Int, inner: Int
  ) {
    if rank == 0 {
      guard axis == 0 || axis == -1 else {
        throw TensorError.invalidAxis(op: op, axis: axis, shape: shape)
      }
      return (1, 1, 1)
    }
    return shape.split(at: try shape.normalizedAxis(axis, op: op))
  }
}

/// L2 normalisation along the middle axis of an (outer, size, inner) view, vectorised across
/// `inner` (16 columns per task); each norm is reduced by one thread in a fixed order.
enum L2NormalizeKernel {
  typealias Vector = VectorMath.Vector

  /// y = x / max(norm, epsilon); saves the norms, (outer, inner).
  static func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>,
    outer: Int, size: Int, inner: Int, epsilon: Float
  ) {
    guard size > 0, inner > 0 else { return }
    if inner == 1 {
      Parallel.forChunks(count: outer, minimumPerThread: SoftmaxKernel.minimumRows(size)) { range in
        for row in range {
          let (xr, yr) = (x + row * size, y + row * size)
          var squares = Vector(repeating: 0)
          SoftmaxKernel.forEachBlock(size) { j, w in
            let v = SoftmaxKernel.load(xr + j, w, padding: 0)
            squares = squares.addingProduct(v, v)
          }
          let norm = squares.sum().squareRoot()
          norms[row] = norm
          let denominator = Vector(repeating: Swift.max(norm, epsilon))
          SoftmaxKernel.forEachBlock(size) { j, w in
            SoftmaxKernel.store(SoftmaxKernel.load(xr + j, w) / denominator, yr + j, w)
          }
        }
      }
      return
    }
    SoftmaxKernel.forEachColumnBlock(outer: outer, size: size, inner: inner) { base, w in
      var squares = Vector(repeating: 0)
      for s in 0..<size {
        let v = SoftmaxKernel.load(x + base + s * inner, w, padding: 0)
        squares = squares.addingProduct(v, v)
      }
      let norm = squares.squareRoot()
      let normBase = (base / (size * inner)) * inner + base % inner
      SoftmaxKernel.store(norm, norms + normBase, w)
      let denominator = pointwiseMax(norm, Vector(repeating: epsilon))
      for s in 0..<size {
        SoftmaxKernel.store(
          SoftmaxKernel.load(x + base + s * inner, w) / denominator, y + base + s * inner, w)
      }
    }
  }

  /// gx += (g - y sum(g y)) / norm where norm >= epsilon, else g / epsilon.
  static func backward(
    _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
    norms: UnsafePointer<Float>, outer: Int, size: Int, inner: Int, epsilon: Float
  ) {
    guard size > 0, inner > 0 else { return }
    if inner == 1 {
      Parallel.forChunks(count: outer, minimumPerThread: SoftmaxKernel.minimumRows(size)) { range in
        for row in range {
          let (yr, gr, gxr) = (y + row * size, g + row * size, gx + row * size)
          let throughNorm = norms[row] >= epsilon
          var dot = Vector(repeating: 0)
          if throughNorm {
            SoftmaxKernel.forEachBlock(size) { j, w in
              dot = dot.addingProduct(
                SoftmaxKernel.load(gr + j, w, padding: 0), SoftmaxKernel.load(yr + j, w, padding: 0)
              )
            }
          }
          let total = Vector(repeating: dot.sum())
          let denominator = Vector(repeating: Swift.max(norms[row], epsilon))
          SoftmaxKernel.forEachBlock(size) { j, w in
            let (yv, gv) = (
              SoftmaxKernel.load(yr + j, w, padding: 0), SoftmaxKernel.load(gr + j, w, padding: 0)
            )
            let update = (throughNorm ? gv - yv * total : gv) / denominator
            SoftmaxKernel.store(SoftmaxKernel.load(gxr + j, w, padding: 0) + update, gxr + j, w)
          }
        }
      }
      return
    }
    SoftmaxKernel.forEachColumnBlock(outer: outer, size: size, inner: inner) { base, w in
      let normBase = (base / (size * inner)) * inner + base % inner
      let norm = SoftmaxKernel.load(norms + normBase, w, padding: 1)
      let epsilonV = Vector(repeating: epsilon)
      let throughNorm = norm .>= epsilonV
      var dot = Vector(repeating: 0)
      for s in 0..<size {
        let offset = base + s * inner
        dot = dot.addingProduct(
          SoftmaxKernel.load(g + offset, w, padding: 0),
          SoftmaxKernel.load(y + offset, w, padding: 0))
      }
      dot.replace(with: 0, where: .!throughNorm)
      let denominator = pointwiseMax(norm, epsilonV)
      for s in 0..<size {
        let offset = base + s * inner
        let (yv, gv) = (
          SoftmaxKernel.load(y + offset, w, padding: 0),
          SoftmaxKernel.load(g + offset, w, padding: 0)
        )
        let update = (gv - yv * dot) / denominator
        SoftmaxKernel.store(SoftmaxKernel.load(gx + offset, w, padding: 0) + update, gx + offset, w)
      }
    }
  }
}

extension Tensor {
  /// layerNorm(self + residual) as one op: the sum is formed row by row inside the layer norm's
  /// pass and its gradient goes straight into both inputs (a post-norm Transformer layer's
  /// residual connection). Bit-identical to `(self + residual).layerNorm(...)` for equal shapes.
  public func layerNorm(
    adding residual: Tensor, gamma: Tensor?, beta: Tensor?,
    epsilon: Float = LayerNormKernel.defaultEpsilon
  ) throws -> Tensor {
    guard residual.shape == shape, rank >= 1 else {
      return try (self + residual).layerNorm(gamma: gamma, beta: beta, epsilon: epsilon)
    }
    let n = shape.last
    try checkLayerNormArguments(gamma: gamma, beta: beta, epsilon: epsilon)
    let rows = n == 0 ? 0 : count / n
    let sum = TensorStorage(count: count, zeroed: false)
    let output = TensorStorage(count: count, zeroed: false)
    let mean = TensorStorage(count: rows, zeroed: false)
    let rstd = TensorStorage(count: rows, zeroed: false)
    LayerNormKernel.forward(
      storage.pointer, gamma: gamma?.storage.pointer, beta: beta?.storage.pointer, output.pointer,
      mean: mean.pointer, reciprocalStandardDeviation: rstd.pointer, rows: rows, columns: n,
      epsilon: epsilon, residual: residual.storage.pointer, sum: sum.pointer)
    let inputs = [self, residual] + [gamma, beta].compactMap { $0 }
    // Kept: the sum (its own buffer) and gamma; neither addend's values.
    let gammaStorage = gamma?.storage
    let (node, residualNode) = (gradientNodeIfRequired, residual.gradientNodeIfRequired)
    let (gammaNode, betaNode) = (gamma?.gradientNodeIfRequired, beta?.gradientNodeIfRequired)
    return Tensor.result("residualLayerNorm", shape: shape, storage: output, inputs: inputs) { g in
      LayerNormKernel.backward(
        sum.pointer, gamma: gammaStorage?.pointer, mean: mean.pointer,
        reciprocalStandardDeviation: rstd.pointer, g,
        gx: node?.accumulator(), gGamma: gammaNode?.accumulator(),
        gBeta: betaNode?.accumulator(), rows: rows, columns: n, throughSum: true,
        gxResidual: residualNode?.accumulator())
    }
  }
}

extension Tensor {
  /// gamma and beta of shape (n) for a last axis of n, and a finite epsilon >= 0.
  private func checkLayerNormArguments(gamma: Tensor?, beta: Tensor?, epsilon: Float) throws {
    let n = shape.last
    for (name, parameter) in [("gamma", gamma), ("beta", beta)] {
      if let parameter, parameter.shape != Shape([n]) {
        throw TensorError.shapeMismatch(
          op: "layerNorm",
          detail: "input \(shape) and \(name) \(parameter.shape): \(name) must have shape (\(n))")
      }
    }
    guard epsilon >= 0, epsilon.isFinite else {
      throw TensorError.invalidArgument(
        op: "layerNorm", detail: "epsilon must be finite and >= 0, got \(epsilon)")
    }
  }
}
