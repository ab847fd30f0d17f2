/// Fused layer normalisation over the last axis, rows x columns contiguous, 16 lanes at a time.
///
/// Forward:  mean = sum x / n,  var = sum (x - mean)^2 / n (biased, as PyTorch),
///           rstd = 1 / sqrt(var + eps),  xhat = (x - mean) rstd,  y = xhat gamma + beta.
/// Backward: with dy = g gamma,
///           gx     += rstd (dy - mean(dy) - xhat mean(dy xhat))
///           gGamma += sum_rows g xhat,  gBeta += sum_rows g.
///
/// `epsilon` defaults to 1e-5 (PyTorch's `nn.LayerNorm`); BERT-style models pass 1e-12.
///
/// Determinism: rows are normalised by one thread each. The gamma/beta gradients are summed over
/// fixed blocks of `rowsPerBlock` rows into per-block partial rows, which are then added in block
/// order; the blocks depend only on the row count, so the sums are bit-identical for any thread
/// count.
public enum LayerNormKernel {
  public typealias Vector = VectorMath.Vector
  public static let defaultEpsilon: Float = 1e-5
  /// Rows per partial sum of the gamma/beta gradients (fixed, never derived from the threads).
  static let rowsPerBlock = 32

  /// Writes y, and the per-row `mean` and `reciprocalStandardDeviation` the backward needs.
  /// `gamma` nil means 1, `beta` nil means 0 (both of length `columns`).
  ///
  /// With `residual` (and `sum`), normalises x + residual instead, writing that sum into `sum`
  /// row by row just before the row is normalised (a post-norm Transformer's residual add,
  /// fused: the same additions as the elementwise `+`, without a separate pass).
  public static func forward(
    _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
    _ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
    reciprocalStandardDeviation rstd: UnsafeMutablePointer<Float>, rows: Int, columns n: Int,
    epsilon: Float = defaultEpsilon, residual: UnsafePointer<Float>? = nil,
    sum: UnsafeMutablePointer<Float>? = nil
  ) {
    guard n > 0 else { return }
    Parallel.forChunks(count: rows, minimumPerThread: SoftmaxKernel.minimumRows(n)) { range in
      for row in range {
        var (xr, yr) = (x + row * n, y + row * n)
        if let residual, let sum {
          let (rr, sr) = (residual + row * n, sum + row * n)
          SoftmaxKernel.forEachBlock(n) { j, w in
            let total = SoftmaxKernel.load(xr + j, w, padding: 0) + SoftmaxKernel.load(rr + j, w, padding: 0)
            SoftmaxKernel.store(total, sr + j, w)
          }
          xr = UnsafePointer(sr)
        }
        var sum = Vector(repeating: 0)
        SoftmaxKernel.forEachBlock(n) { j, w in sum += SoftmaxKernel.load(xr + j, w, padding: 0) }
        let mu = sum.sum() / Float(n)
        let muV = Vector(repeating: mu)
        var squares = Vector(repeating: 0)
        SoftmaxKernel.forEachBlock(n) { j, w in
          let d = SoftmaxKernel.load(xr + j, w, padding: mu) - muV
          squares = squares.addingProduct(d, d)
        }
        let r = 1 / (squares.sum() / Float(n) + epsilon).squareRoot()
        (mean[row], rstd[row]) = (mu, r)
        let rV = Vector(repeating: r)
        SoftmaxKernel.forEachBlock(n) { j, w in
          let xhat = (SoftmaxKernel.load(xr + j, w, padding: 0) - muV) * rV
          let scale =
            gamma.map { SoftmaxKernel.load($0 + j, w, padding: 0) } ?? Vector(repeating: 1)
          let shift = beta.map { SoftmaxKernel.load($0 + j, w, padding: 0) } ?? Vector(repeating: 0)
          SoftmaxKernel.store(shift.addingProduct(xhat, scale), yr + j, w)
        }
      }
    }
  }

  /// Adds the gradients of x, gamma and beta (each skipped when its pointer is nil) for the
  /// output gradient g, from the statistics saved by `forward`.
  ///
  /// `throughSum`: x was the sum of two tensors (forward's `residual`), whose gradient
  /// accumulators are `gx` and `gxResidual` (either nil). Each receives the gradient of the sum
  /// as the unfused ops give it: 0 + update (the sum's zeroed accumulator), then added into
  /// `gx`, then into `gxResidual`, element by element.
  public static func backward(
    _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
    reciprocalStandardDeviation rstd: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
    gx: UnsafeMutablePointer<Float>?, gGamma: UnsafeMutablePointer<Float>?,
    gBeta: UnsafeMutablePointer<Float>?, rows: Int, columns n: Int,
    throughSum: Bool = false, gxResidual: UnsafeMutablePointer<Float>? = nil
  ) {
    let wantsInput = gx != nil || gxResidual != nil
    guard n > 0, rows > 0, wantsInput || gGamma != nil || gBeta != nil else { return }
    let blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
    // Partial sums per block: [blocks][n] for gamma, then [blocks][n] for beta.
    let wantsParameters = gGamma != nil || gBeta != nil
    let partials = UnsafeMutablePointer<Float>.allocate(
      capacity: wantsParameters ? 2 * blocks * n : 1)
    defer { partials.deallocate() }
    if wantsParameters { partials.initialize(repeating: 0, count: 2 * blocks * n) }
    let inverseN = Vector(repeating: 1 / Float(n))

    let perThread = max(1, SoftmaxKernel.minimumRows(n) / rowsPerBlock)
    Parallel.forChunks(count: blocks, minimumPerThread: perThread) { blockRange in
      for block in blockRange {
        let (partialGamma, partialBeta) = (partials + block * n, partials + (blocks + block) * n)
        for row in (block * rowsPerBlock)..<Swift.min(rows, (block + 1) * rowsPerBlock) {
          let (xr, gr) = (x + row * n, g + row * n)
          let (muV, rV) = (Vector(repeating: mean[row]), Vector(repeating: rstd[row]))
          if wantsInput {
            // Pass 1: mean(dy) and mean(dy xhat); padding lanes load g = 0, so they add nothing.
            var (sumDy, sumDyXhat) = (Vector(repeating: 0), Vector(repeating: 0))
            SoftmaxKernel.forEachBlock(n) { j, w in
              let xhat = (SoftmaxKernel.load(xr + j, w, padding: 0) - muV) * rV
              var dy = SoftmaxKernel.load(gr + j, w, padding: 0)
              if let gamma { dy *= SoftmaxKernel.load(gamma + j, w, padding: 0) }
              sumDy += dy
              sumDyXhat = sumDyXhat.addingProduct(dy, xhat)
            }
            let meanDy = Vector(repeating: sumDy.sum()) * inverseN
            let meanDyXhat = Vector(repeating: sumDyXhat.sum()) * inverseN
            // Pass 2: write gx (and the residual's gradient).
            let zero = Vector(repeating: 0)
            SoftmaxKernel.forEachBlock(n) { j, w in
              let xhat = (SoftmaxKernel.load(xr + j, w, padding: 0) - muV) * rV
              var dy = SoftmaxKernel.load(gr + j, w, padding: 0)
              if let gamma { dy *= SoftmaxKernel.load(gamma + j, w, padding: 0) }
              var update = rV * (dy - meanDy - xhat * meanDyXhat)
              if throughSum { update = zero + update }
              if let gx {
                let t = gx + row * n + j
                SoftmaxKernel.store(SoftmaxKernel.load(t, w, padding: 0) + update, t, w)
              }
              if let gxResidual {
                let t = gxResidual + row * n + j
                SoftmaxKernel.store(SoftmaxKernel.load(t, w, padding: 0) + update, t, w)
              }
            }
          }
          if wantsParameters {
            SoftmaxKernel.forEachBlock(n) { j, w in
              let gv = SoftmaxKernel.load(gr + j, w, padding: 0)
              let xhat = (SoftmaxKernel.load(xr + j, w, padding: 0) - muV) * rV
              let oldGamma = SoftmaxKernel.load(partialGamma + j, w, padding: 0)
              SoftmaxKernel.store(oldGamma.addingProduct(gv, xhat), partialGamma + j, w)
              SoftmaxKernel.store(
                SoftmaxKernel.load(partialBeta + j, w, padding: 0) + gv, partialBeta + j, w)
            }
          }
        }
      }
    }

    guard wantsParameters else { return }
    // Fixed-order reduction of the block partials: ((p0 + p1) + p2) + ..., then into the grads.
    for (target, first) in [(gGamma, partials), (gBeta, partials + blocks * n)] {
      guard let target else { continue }
      for block in 1..<blocks {
        let partial = first + block * n
        for j in 0..<n { first[j] += partial[j] }
      }
      for j in 0..<n { target[j] += first[j] }
    }
  }
}
