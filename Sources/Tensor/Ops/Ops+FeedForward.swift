/// A Transformer feed-forward block, linear → GELU → linear, as one autograd op that keeps the
/// hidden pre-activation only: the GELU output that the second layer's weight gradient reads is
/// computed again in backward from the pre-activation (by the same kernel, so bit for bit the
/// forward's values) instead of being held from the forward to the end of backward. That is
/// (rows x hidden) floats less per layer, a quarter to a third of a layer's saved values, for
/// one more GELU pass.
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
    let preActivation = TensorStorage(count: hiddenPlan.outputShape.count, zeroed: false)
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
      let activatedGradient = needsActivated ? TensorStorage(count: preActivation.count) : nil
      if let keptOutputWeight, let activatedGradient {
        outputPlan.gradientA(g, keptOutputWeight.pointer, activatedGradient.pointer)
      }
      if needsOutputWeight {
        let activated = TensorStorage(count: preActivation.count, zeroed: false)
        BiasActivationKernel.forward(
          preActivation.pointer, bias: nil, rows: rows, columns: hidden, activation: activation,
          activated.pointer)
        outputPlan.gradientB(g, activated.pointer, nodeOutputWeight.accumulator())
      }
      guard let activatedGradient else { return }
      // The hidden layer, as `linear`'s pullback with its activation.
      let preGradient = TensorStorage(count: preActivation.count, zeroed: false)
      BiasActivationKernel.backward(
        activatedGradient.pointer, preActivation: preActivation.pointer, activation: activation,
        preGradient: preGradient.pointer, biasGradient: nodeHiddenBias?.accumulator(), rows: rows,
        columns: hidden)
      if let keptHiddenWeight {
        hiddenPlan.gradientA(preGradient.pointer, keptHiddenWeight.pointer, nodeX.accumulator())
      }
      if let keptX {
        hiddenPlan.gradientB(preGradient.pointer, keptX.pointer, nodeHiddenWeight.accumulator())
      }
    }
  }
}
