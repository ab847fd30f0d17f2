/// A Transformer feed-forward block, linear → GELU → linear, as one autograd op that keeps one
/// (rows x hidden) buffer from the forward to the backward, the pre-activation: the GELU output
/// (the output weight's gradient reads it) is computed again from it in the pass that computes
/// GELU's derivative, with the forward's bits (the same kernel on the same values). Two
/// linears would keep both; recomputing the pre-activation too (one x W1ᵀ GEMM per layer in
/// backward, as before the 10th session) saved memory but cost 5-8% of a bench-small step
/// (docs/benchmarks.md, "The step on the AVX-512 Xeon, 10th session").
///
/// Bit-identical to `linear(weight: hiddenWeight, bias: hiddenBias, activation:)` followed by
/// `linear(weight: outputWeight, bias: outputBias)`: the same kernels run on the same buffers
/// in the same order, forward and backward (the second pullback's input gradient goes into a
/// zeroed buffer, as into the GELU output's accumulator).
extension Tensor {
  /// x: (..., in) with rank 2 or more; hiddenWeight (hidden, in), hiddenBias (hidden) or nil,
  /// outputWeight (out, hidden), outputBias (out) or nil → (..., out).
  public func feedForward(
    hiddenWeight: Tensor, hiddenBias: Tensor?, activation: GELUApproximation,
    outputWeight: Tensor, outputBias: Tensor?
  ) throws -> Tensor {
    let hiddenPlan = try MatmulPlan(shape, hiddenWeight.shape, transposeA: false, transposeB: true)
    let outputPlan = try MatmulPlan(
      hiddenPlan.outputShape, outputWeight.shape, transposeA: false, transposeB: true)
    let (hidden, n) = (hiddenPlan.n, outputPlan.n)
    for (name, bias, size) in [("hidden", hiddenBias, hidden), ("output", outputBias, n)] {
      if let bias, bias.shape != Shape([size]) {
        throw TensorError.shapeMismatch(
          op: "feedForward", detail: "\(name) bias \(bias.shape) needs shape (\(size))")
      }
    }
    let rows = hidden == 0 ? 0 : hiddenPlan.outputShape.count / hidden
    // (rows, hidden): the product, then in place the pre-activation (product + bias).
    let hiddenCount = hiddenPlan.outputShape.count
    let preActivation = TensorStorage(count: hiddenCount, zeroed: false)
    hiddenPlan.forward(storage.pointer, hiddenWeight.storage.pointer, preActivation.pointer)
    let activated = TensorStorage(count: preActivation.count, zeroed: false)
    BiasActivationKernel.forward(
      preActivation.pointer, bias: hiddenBias?.storage.pointer, rows: rows, columns: hidden,
      activation: activation, activated.pointer)
    let output = TensorStorage(count: outputPlan.outputShape.count, zeroed: false)
    outputPlan.forward(activated.pointer, outputWeight.storage.pointer, output.pointer)
    BiasActivationKernel.forward(
      output.pointer, bias: outputBias?.storage.pointer, rows: rows, columns: n, activation: nil,
      nil)

    let inputs = [self, hiddenWeight, outputWeight] + [hiddenBias, outputBias].compactMap { $0 }
    let (nodeX, nodeHiddenWeight, nodeOutputWeight) = (
      gradientNode, hiddenWeight.gradientNode, outputWeight.gradientNode
    )
    let (nodeHiddenBias, nodeOutputBias) = (
      hiddenBias?.gradientNodeIfRequired, outputBias?.gradientNodeIfRequired
    )
    // Which gradients flow, fixed at the forward as each op would see them: the GELU output
    // needs one when anything before it does.
    let (needsX, needsHiddenWeight) = (requiresGrad, hiddenWeight.requiresGrad)
    let needsActivated = needsX || needsHiddenWeight || nodeHiddenBias != nil
    let needsOutputWeight = outputWeight.requiresGrad
    // Kept: the pre-activation (GELU's derivative reads it, and the GELU output for the
    // output weight's gradient is computed again from it), x for the hidden weight's gradient
    // and the hidden weight for x's (parameters are held anyway).
    let keptPreActivation = needsActivated || needsOutputWeight ? preActivation : nil
    let keptX = needsHiddenWeight ? storage : nil
    let keptHiddenWeight = needsX ? hiddenWeight.storage : nil
    let keptOutputWeight = needsActivated ? outputWeight.storage : nil
    return Tensor.result("feedForward", shape: outputPlan.outputShape, storage: output, inputs: inputs) {
      g in
      // The output layer, as `linear`'s pullback: bias, then its input's gradient, then its
      // weight's, with the GELU output computed again for the weight's gradient.
      if let nodeOutputBias {
        BiasActivationKernel.backward(
          g, preActivation: nil, activation: nil, preGradient: nil,
          biasGradient: nodeOutputBias.accumulator(), rows: rows, columns: n)
      }
      guard let keptPreActivation else { return }
      let activated = needsOutputWeight ? TensorStorage(count: hiddenCount, zeroed: false) : nil
      guard let keptOutputWeight else {
        // Only the output weight's gradient: the GELU output alone.
        if let activated {
          GELUKernel.forward(
            keptPreActivation.pointer, activated.pointer, count: hiddenCount,
            approximation: activation)
          outputPlan.gradientB(g, activated.pointer, nodeOutputWeight.accumulator())
        }
        return
      }
      // The GELU output's gradient, written (not added into zeros: the same values, signs of
      // zero aside, which the pass below turns into +0 either way: 0 + g GELU').
      let gradient = TensorStorage(count: hiddenCount, zeroed: false)
      outputPlan.gradientA(g, keptOutputWeight.pointer, gradient.pointer, overwrite: true)
      // The hidden layer, as `linear`'s pullback with its activation, in the same pass as the
      // GELU output again (the forward's bits: the same kernel on the same pre-activation); the
      // pre-activation's gradient replaces the GELU output's in place, element by element.
      BiasActivationKernel.backward(
        gradient.pointer, preActivation: keptPreActivation.pointer,
        activation: activation, preGradient: gradient.pointer,
        biasGradient: nodeHiddenBias?.accumulator(), activated: activated?.pointer, rows: rows,
        columns: hidden)
      if let activated {
        outputPlan.gradientB(g, activated.pointer, nodeOutputWeight.accumulator())
      }
      if let keptHiddenWeight {
        hiddenPlan.gradientA(gradient.pointer, keptHiddenWeight.pointer, nodeX.accumulator())
      }
      if let keptX {
        hiddenPlan.gradientB(gradient.pointer, keptX.pointer, nodeHiddenWeight.accumulator())
      }
    }
  }
}
