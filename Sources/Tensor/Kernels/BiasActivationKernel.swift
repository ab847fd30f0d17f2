/// The passes a Linear layer makes over its GEMM product, fused: the bias add and an optional
/// GELU in one threaded pass forward, and the GELU derivative with the bias gradient in one
/// pass backward.
///
/// Bit-identity with the unfused ops (`matmul`, broadcast `+`, `gelu`): every element gets the
/// same float operations in the same order (product + bias, then GELU of that sum; backward
/// 0 + g GELU'(pre) as `gelu`'s pullback into a zeroed accumulator), and the bias gradient is
/// summed over rows in row order by the thread that owns its column, as the broadcast add's
/// `.columns` split does. Lanes are independent, so 16-wide blocks, tails and chunk boundaries
/// do not change any value.
public enum BiasActivationKernel {
  public typealias Vector = VectorMath.Vector

  /// In place: z[r, c] += bias[c]; with an activation, also y[r, c] = GELU(z[r, c]) (z keeps
  /// the pre-activation the backward needs).
  public static func forward(
    _ z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, columns n: Int,
    activation: GELUApproximation?, _ y: UnsafeMutablePointer<Float>?
  ) {
    guard n > 0, rows > 0, bias != nil || activation != nil else { return }
    Parallel.forChunks(count: rows, minimumPerThread: Parallel.rows(of: n)) { range in
      for row in range {
        let (zr, yr) = (z + row * n, y.map { $0 + row * n })
        SoftmaxKernel.forEachBlock(n) { j, w in
          var v = SoftmaxKernel.load(zr + j, w, padding: 0)
          if let bias {
            v += SoftmaxKernel.load(bias + j, w, padding: 0)
            SoftmaxKernel.store(v, zr + j, w)
          }
          if let activation, let yr { SoftmaxKernel.store(GELUKernel.value(v, activation), yr + j, w) }
        }
      }
    }
  }

  /// Backward of `forward` for the output gradient g. With an activation, writes the gradient
  /// of the pre-activation into `preGradient` (overwritten) and adds its column sums into
  /// `biasGradient`; without one, only adds g's column sums into `biasGradient` (the product's
  /// gradient is g itself); `preGradient` may be g's own buffer (each element is read before it
  /// is written). Threads take column ranges and walk every row in order. With
  /// `activated`, also writes GELU(pre-activation) there, the forward's output again (for the
  /// next layer's weight gradient), from the same normal CDF as the derivative.
  public static func backward(
    _ g: UnsafePointer<Float>, preActivation: UnsafePointer<Float>?,
    activation: GELUApproximation?, preGradient: UnsafeMutablePointer<Float>?,
    biasGradient: UnsafeMutablePointer<Float>?, activated: UnsafeMutablePointer<Float>? = nil,
    rows: Int, columns n: Int
  ) {
    guard n > 0, rows > 0 else { return }
    let zero = Vector(repeating: 0)
    Parallel.forChunks(
      count: n, minimumPerThread: Swift.max(1, Parallel.elementwiseMinimum / rows)
    ) { columns in
      for row in 0..<rows {
        let offset = row * n + columns.lowerBound
        SoftmaxKernel.forEachBlock(columns.count) { j, w in
          var gv = SoftmaxKernel.load(g + offset + j, w, padding: 0)
          if let activation, let preActivation, let preGradient {
            let x = SoftmaxKernel.load(preActivation + offset + j, w, padding: 0)
            if let activated {
              let (value, derivative) = GELUKernel.valueAndDerivative(x, activation)
              SoftmaxKernel.store(value, activated + offset + j, w)
              gv = zero.addingProduct(gv, derivative)
            } else {
              gv = zero.addingProduct(gv, GELUKernel.derivative(x, activation))
            }
            SoftmaxKernel.store(gv, preGradient + offset + j, w)
          }
          if let biasGradient {
            let target = biasGradient + columns.lowerBound + j
            SoftmaxKernel.store(SoftmaxKernel.load(target, w, padding: 0) + gv, target, w)
          }
        }
      }
    }
  }
}
