/// A Transformer feed-forward block, linear → GELU → linear, as one autograd op that keeps no
/// (rows x hidden) buffer from the forward to the backward: the hidden pre-activation and the
/// GELU output are computed again in backward from the input x (which the hidden weight's
/// gradient keeps anyway) by the same GEMM and the same kernel, so bit for bit the forward's
/// values. Holding the pre-activation was the largest share of a step's peak memory (46 MiB of
/// bench-small's 185 MiB live at the peak, docs/benchmarks.md "Step memory"); recomputing it
/// costs one x W1ᵀ GEMM per layer in backward.
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
    // Kept: x and the weights and hidden bias that recompute the pre-activation (x is what the
    // hidden weight's gradient reads; parameters are held anyway).
    let needsHidden = needsActivated || needsOutputWeight
    let keptX = needsHidden ? storage : nil
    let keptHiddenWeight = needsHidden ? hiddenWeight.storage : nil
    let keptHiddenBias = needsHidden ? hiddenBias?.storage : nil
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
      let activatedGradient = needsActivated ? TensorStorage(count: hiddenCount) : nil
      if let keptOutputWeight, let activatedGradient {
        outputPlan.gradientA(g, keptOutputWeight.pointer, activatedGradient.pointer)
      }
      guard let keptX, let keptHiddenWeight else { return }
      // The forward's pre-activation and GELU output again: the same GEMM, bias add and GELU.
      let preActivation = TensorStorage(count: hiddenCount, zeroed: false)
      hiddenPlan.forward(keptX.pointer, keptHiddenWeight.pointer, preActivation.pointer)
      do {
        let activated = needsOutputWeight ? TensorStorage(count: hiddenCount, zeroed: false) : nil
        BiasActivationKernel.forward(
          preActivation.pointer, bias: keptHiddenBias?.pointer, rows: rows, columns: hidden,
          activation: activation, activated?.pointer)
        if let activated {
          outputPlan.gradientB(g, activated.pointer, nodeOutputWeight.accumulator())
        }
      }
      guard let activatedGradient else { return }
      // The hidden layer, as `linear`'s pullback with its activation.
      let preGradient = TensorStorage(count: hiddenCount, zeroed: false)
      BiasActivationKernel.backward(
        activatedGradient.pointer, preActivation: preActivation.pointer, activation: activation,
        preGradient: preGradient.pointer, biasGradient: nodeHiddenBias?.accumulator(), rows: rows,
        columns: hidden)
      if needsX {
        hiddenPlan.gradientA(preGradient.pointer, keptHiddenWeight.pointer, nodeX.accumulator())
      }
      if needsHiddenWeight {
        hiddenPlan.gradientB(preGradient.pointer, keptX.pointer, nodeHiddenWeight.accumulator())
      }
    }
  }
}
