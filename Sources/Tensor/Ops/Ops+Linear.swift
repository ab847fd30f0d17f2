/// x Wᵀ + b, optionally followed by GELU, as one autograd op: the GEMM, then one fused pass
/// for the bias and activation (Kernels/BiasActivationKernel.swift), and a pullback that makes
/// one pass for the GELU derivative and the bias gradient before the two GEMM gradients.
/// Bit-identical to `matmul(transposeOther: true)`, `+ bias` and `.gelu(_:)` in sequence.
extension Tensor {
  /// x: (..., in) with rank 2 or more, weight: (out, in), bias: (out) or nil → (..., out).
  public func linear(
    weight: Tensor, bias: Tensor?, activation: GELUApproximation? = nil
  ) throws -> Tensor {
    let plan = try MatmulPlan(shape, weight.shape, transposeA: false, transposeB: true)
    let n = plan.n
    if let bias, bias.shape != Shape([n]) {
      throw TensorError.shapeMismatch(
        op: "linear", detail: "bias \(bias.shape) for an output of \(plan.outputShape): needs (\(n))")
    }
    let rows = n == 0 ? 0 : plan.outputShape.count / n
    let product = TensorStorage(count: plan.outputShape.count, zeroed: false)
    plan.forward(storage.pointer, weight.storage.pointer, product.pointer)
    let output = activation == nil ? product : TensorStorage(count: product.count, zeroed: false)
    BiasActivationKernel.forward(
      product.pointer, bias: bias?.storage.pointer, rows: rows, columns: n,
      activation: activation, activation == nil ? nil : output.pointer)
    let inputs = [self, weight] + (bias.map { [$0] } ?? [])
    // x is kept for the weight's gradient and the weight for x's; the pre-activation only for
    // GELU's derivative (without an activation the product is the output, which nothing reads).
    let (nodeX, nodeWeight, nodeBias) = (gradientNode, weight.gradientNode, bias?.gradientNode)
    let keptX = weight.requiresGrad ? storage : nil
    let keptWeight = requiresGrad ? weight.storage : nil
    let keptPreActivation = activation != nil ? product : nil
    let wantsBias = bias?.requiresGrad == true
    return Tensor.result("linear", shape: plan.outputShape, storage: output, inputs: inputs) { g in
      var productGradient = g
      var preGradient: TensorStorage?
      if activation != nil {
        preGradient = TensorStorage(count: plan.outputShape.count, zeroed: false)
        productGradient = UnsafePointer(preGradient!.pointer)
      }
      if activation != nil || wantsBias {
        BiasActivationKernel.backward(
          g, preActivation: keptPreActivation.map { UnsafePointer($0.pointer) },
          activation: activation, preGradient: preGradient?.pointer,
          biasGradient: wantsBias ? nodeBias?.accumulator() : nil, rows: rows, columns: n)
      }
      // The pre-activation gradient must outlive the GEMMs that read it through a pointer.
      withExtendedLifetime(preGradient) {
        if let keptWeight {
          plan.gradientA(productGradient, keptWeight.pointer, nodeX.accumulator())
        }
        if let keptX {
          plan.gradientB(productGradient, keptX.pointer, nodeWeight.accumulator())
        }
      }
    }
  }
}
