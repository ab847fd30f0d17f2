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
    return Tensor.result("linear", shape: plan.outputShape, storage: output, inputs: inputs) {
      [self] g in
      let wantsBias = bias?.requiresGrad == true
      var productGradient = g
      var preGradient: TensorStorage?
      if activation != nil {
        preGradient = TensorStorage(count: product.count, zeroed: false)
        productGradient = UnsafePointer(preGradient!.pointer)
      }
      if activation != nil || wantsBias {
        BiasActivationKernel.backward(
          g, preActivation: product.pointer, activation: activation,
          preGradient: preGradient?.pointer,
          biasGradient: wantsBias ? bias!.gradientAccumulator() : nil, rows: rows, columns: n)
      }
      // The pre-activation gradient must outlive the GEMMs that read it through a pointer.
      withExtendedLifetime(preGradient) {
        if self.requiresGrad {
          plan.gradientA(productGradient, weight.storage.pointer, self.gradientAccumulator())
        }
        if weight.requiresGrad {
          plan.gradientB(productGradient, self.storage.pointer, weight.gradientAccumulator())
        }
      }
    }
  }
}
