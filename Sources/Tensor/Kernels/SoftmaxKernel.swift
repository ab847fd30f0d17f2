/// Fused, numerically stable softmax and log-softmax over raw buffers, 16 lanes at a time.
///
/// Layouts: the row kernels take `rows x columns`, contiguous; the strided kernels take the
/// (outer, size, inner) view of a softmax along any axis, element (o, s, i) at
/// `o * size * inner + s * inner + i`, and vectorise across `inner`.
///
/// Stability: each row is shifted by its maximum m before exp, so e^(x - m) lies in [0, 1] and
/// the sum S in [1, n]; log-softmax is (x - m) - log S, never x - (m + log S), which would lose
/// the low bits of m. A row whose entries are all -inf (a fully masked attention row) gives
/// softmax 0 and log-softmax -inf rather than NaN.
///
/// Determinism: every row (every column of the strided view) is reduced by one thread in a fixed
/// order, so results are bit-identical for any thread count.
public enum SoftmaxKernel {
  public typealias Vector = VectorMath.Vector

  // MARK: Row kernels, rows x columns contiguous

  /// y = softmax(x) or log_softmax(x) along each row.
  public static func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns n: Int,
    logarithm: Bool = false
  ) {
    guard n > 0 else { return }
    Parallel.forChunks(count: rows, minimumPerThread: minimumRows(n)) { range in
      for row in range {
        let (xr, yr) = (x + row * n, y + row * n)
        let stats = rowStatistics(xr, n, exponentials: logarithm ? nil : yr)
        if logarithm {
          let (shift, logSum) = (Vector(repeating: stats.shift), Vector(repeating: log(stats.sum)))
          forEachBlock(n) { j, w in store((load(xr + j, w) - shift) - logSum, yr + j, w) }
        } else {
          let sum = Vector(repeating: stats.sum)
          forEachBlock(n) { j, w in store(load(yr + j, w) / sum, yr + j, w) }
        }
      }
    }
  }

  /// softmax:     gx += y * (g - sum(g * y))
  /// log-softmax: gx += g - e^y * sum(g)        (y is the log-softmax output)
  public static func backward(
    _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
    rows: Int, columns n: Int, logarithm: Bool = false
  ) {
    guard n > 0 else { return }
    Parallel.forChunks(count: rows, minimumPerThread: minimumRows(n)) { range in
      for row in range {
        let (yr, gr, gxr) = (y + row * n, g + row * n, gx + row * n)
        var accumulator = Vector(repeating: 0)
        if logarithm {
          forEachBlock(n) { j, w in accumulator += load(gr + j, w, padding: 0) }
        } else {
          forEachBlock(n) { j, w in
            accumulator = accumulator.addingProduct(
              load(gr + j, w, padding: 0), load(yr + j, w, padding: 0))
          }
        }
        let total = Vector(repeating: accumulator.sum())
        forEachBlock(n) { j, w in
          let (yv, gv, old) = (load(yr + j, w), load(gr + j, w), load(gxr + j, w))
          let update = logarithm ? gv - VectorMath.exp(yv) * total : yv * (gv - total)
          store(old + update, gxr + j, w)
        }
      }
    }
  }

  // MARK: Strided kernels, (outer, size, inner) with the softmax along `size`

  /// y = softmax(x) or log_softmax(x) along the middle axis of the (outer, size, inner) view.
  public static func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, size: Int,
    inner: Int, logarithm: Bool = false
  ) {
    guard size > 0, inner > 0 else { return }
    forEachColumnBlock(outer: outer, size: size, inner: inner) { base, w in
      var maximum = Vector(repeating: -.infinity)
      for s in 0..<size { maximum = VectorMath.lanewiseMax(maximum, load(x + base + s * inner, w)) }
      maximum.replace(with: 0, where: maximum .== -.infinity)
      var sum = Vector(repeating: 0)
      for s in 0..<size {
        let e = VectorMath.exp(load(x + base + s * inner, w) - maximum)
        if !logarithm { store(e, y + base + s * inner, w) }
        sum += e
      }
      sum.replace(with: 1, where: sum .== 0)
      if logarithm {
        var logSum = Vector(repeating: 0)
        for lane in 0..<w { logSum[lane] = log(sum[lane]) }
        for s in 0..<size {
          store((load(x + base + s * inner, w) - maximum) - logSum, y + base + s * inner, w)
        }
      } else {
        for s in 0..<size { store(load(y + base + s * inner, w) / sum, y + base + s * inner, w) }
      }
    }
  }

  /// The strided form of `backward(_:_:_:rows:columns:logarithm:)`.
  public static func backward(
    _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
    outer: Int, size: Int, inner: Int, logarithm: Bool = false
  ) {
    guard size > 0, inner > 0 else { return }
    forEachColumnBlock(outer: outer, size: size, inner: inner) { base, w in
      var total = Vector(repeating: 0)
      for s in 0..<size {
        let gv = load(g + base + s * inner, w, padding: 0)
        total =
          logarithm
          ? total + gv : total.addingProduct(gv, load(y + base + s * inner, w, padding: 0))
      }
      for s in 0..<size {
        let offset = base + s * inner
        let (yv, gv, old) = (load(y + offset, w), load(g + offset, w), load(gx + offset, w))
        let update = logarithm ? gv - VectorMath.exp(yv) * total : yv * (gv - total)
        store(old + update, gx + offset, w)
      }
    }
  }

  // MARK: Shared pieces (also used by the loss kernels)

  /// The shift m (the row maximum, or 0 when every entry is -inf) and S = sum e^(x - m), which
  /// is at least 1 (set to 1 for an all -inf row). Writes e^(x - m) into `exponentials` if given.
  @inline(__always)
  static func rowStatistics(
    _ x: UnsafePointer<Float>, _ n: Int, exponentials: UnsafeMutablePointer<Float>?
  ) -> (shift: Float, sum: Float) {
    var maximum = Vector(repeating: -.infinity)
    forEachBlock(n) { j, w in maximum = VectorMath.lanewiseMax(maximum, load(x + j, w)) }
    var shift = VectorMath.horizontalMax(maximum)
    if shift == -.infinity { shift = 0 }
    let shiftVector = Vector(repeating: shift)
    var accumulator = Vector(repeating: 0)
    forEachBlock(n) { j, w in
      let e = VectorMath.exp(load(x + j, w) - shiftVector)  // padding -inf gives e = 0
      if let exponentials { store(e, exponentials + j, w) }
      accumulator += e
    }
    let sum = accumulator.sum()
    return (shift, sum == 0 ? 1 : sum)
  }

  /// Natural log of a row sum: platform-independent (no libm) for the finite positive sums the
  /// kernels produce; NaN in, NaN out instead of a trap.
  @inline(__always)
  static func log(_ x: Float) -> Float {
    guard x > 0, x.isFinite else { return x == 0 ? -.infinity : (x.isNaN || x < 0 ? .nan : x) }
    return Float(DeterministicMath.log(Double(x)))
  }

  /// Rows per thread: about 16K elements, so small tensors stay on the calling thread.
  @inline(__always)
  static func minimumRows(_ columns: Int) -> Int { max(1, (1 << 14) / max(1, columns)) }

  /// Calls `body(offset, width)` for consecutive blocks of at most 16 elements covering 0..<n.
  @inline(__always)
  static func forEachBlock(_ n: Int, _ body: (Int, Int) -> Void) {
    var j = 0
    while j < n {
      body(j, Swift.min(16, n - j))
      j += 16
    }
  }

  /// Runs `body(base, width)` for every block of up to 16 adjacent columns of every outer slice:
  /// element (o, s, j0 + lane) lies at base + s * inner + lane. Blocks are independent.
  @inline(__always)
  static func forEachColumnBlock(
    outer: Int, size: Int, inner: Int, _ body: (Int, Int) -> Void
  ) {
    let blocksPerSlice = (inner + 15) / 16
    let perThread = max(1, (1 << 14) / max(1, 16 * size))
    Parallel.forChunks(count: outer * blocksPerSlice, minimumPerThread: perThread) { range in
      for task in range {
        let (o, block) = task.quotientAndRemainder(dividingBy: blocksPerSlice)
        let j = block * 16
        body(o * size * inner + j, Swift.min(16, inner - j))
      }
    }
  }

  /// Loads `width` floats (a whole vector when 16), the missing lanes set to `padding`.
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, _ width: Int, padding: Float = -.infinity) -> Vector {
    if width == 16 { return UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
    var v = Vector(repeating: padding)
    for lane in 0..<width { v[lane] = p[lane] }
    return v
  }

  @inline(__always)
  static func load(_ p: UnsafeMutablePointer<Float>, _ width: Int, padding: Float = -.infinity)
    -> Vector
  {
    load(UnsafePointer(p), width, padding: padding)
  }

  @inline(__always)
  static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ width: Int) {
    if width == 16 {
      UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
      return
    }
    for lane in 0..<width { p[lane] = v[lane] }
  }
}

/// Log-softmax fused with the losses over it, rows x classes contiguous. The forward saves each
/// row's shift m and log S (see `SoftmaxKernel`) so that the backward recomputes
/// p = e^((x - m) - log S) instead of storing an N x C probability matrix.
public enum CrossEntropyKernel {
  public typealias Vector = VectorMath.Vector

  /// Hard targets with label smoothing e, per row:
  /// loss = (1 - e) (-log p[t]) + e (-mean_c log p[c]); rows whose target is `ignoreIndex` get 0.
  /// Every other target must lie in 0..<classes (the op checks).
  public static func forward(
    logits x: UnsafePointer<Float>, targets: UnsafePointer<Int>, ignoreIndex: Int,
    labelSmoothing: Float, rows: Int, classes n: Int, rowLoss: UnsafeMutablePointer<Float>,
    shift: UnsafeMutablePointer<Float>, logSum: UnsafeMutablePointer<Float>
  ) {
    Parallel.forChunks(count: rows, minimumPerThread: SoftmaxKernel.minimumRows(n)) { range in
      for row in range {
        let target = targets[row]
        guard target != ignoreIndex, n > 0 else {
          (rowLoss[row], shift[row], logSum[row]) = (0, 0, 0)
          continue
        }
        let xr = x + row * n
        let stats = SoftmaxKernel.rowStatistics(xr, n, exponentials: nil)
        let logS = SoftmaxKernel.log(stats.sum)
        (shift[row], logSum[row]) = (stats.shift, logS)
        var loss = logS - (xr[target] - stats.shift)
        if labelSmoothing != 0 {
          let m = Vector(repeating: stats.shift)
          var centred = Vector(repeating: 0)  // sum of (x - m), padding lanes 0
          SoftmaxKernel.forEachBlock(n) { j, w in
            centred += SoftmaxKernel.load(xr + j, w, padding: stats.shift) - m
          }
          let smooth = logS - centred.sum() / Float(n)
          loss = (1 - labelSmoothing) * loss + labelSmoothing * smooth
        }
        rowLoss[row] = loss
      }
    }
  }

  /// gx += scale * (p - q) on rows not ignored, q = (1 - e) onehot(t) + e / C.
  public static func backward(
    logits x: UnsafePointer<Float>, targets: UnsafePointer<Int>, ignoreIndex: Int,
    labelSmoothing: Float, rows: Int, classes n: Int, shift: UnsafePointer<Float>,
    logSum: UnsafePointer<Float>, scale: Float, gx: UnsafeMutablePointer<Float>
  ) {
    Parallel.forChunks(count: rows, minimumPerThread: SoftmaxKernel.minimumRows(n)) { range in
      for row in range where targets[row] != ignoreIndex && n > 0 {
        let (xr, gxr) = (x + row * n, gx + row * n)
        let (m, logS) = (Vector(repeating: shift[row]), Vector(repeating: logSum[row]))
        let uniform = Vector(repeating: labelSmoothing / Float(n))
        SoftmaxKernel.forEachBlock(n) { j, w in
          let p = VectorMath.exp((SoftmaxKernel.load(xr + j, w) - m) - logS)
          let old = SoftmaxKernel.load(gxr + j, w)
          SoftmaxKernel.store(old.addingProduct(p - uniform, Vector(repeating: scale)), gxr + j, w)
        }
        gxr[targets[row]] -= scale * (1 - labelSmoothing)
      }
    }
  }

  /// Soft targets t (rows x classes), per row:
  /// cross-entropy  loss = -sum_c t_c log p_c
  /// KL (t || p)    loss =  sum_c t_c (log t_c - log p_c)    (`targetEntropy: true`)
  /// Entries with t_c == 0 contribute 0 (0 log 0 = 0, and 0 * -inf is not NaN).
  public static func softForward(
    logits x: UnsafePointer<Float>, targets t: UnsafePointer<Float>, rows: Int, classes n: Int,
    targetEntropy: Bool, rowLoss: UnsafeMutablePointer<Float>,
    shift: UnsafeMutablePointer<Float>, logSum: UnsafeMutablePointer<Float>
  ) {
    Parallel.forChunks(count: rows, minimumPerThread: SoftmaxKernel.minimumRows(n)) { range in
      for row in range {
        let (xr, tr) = (x + row * n, t + row * n)
        let stats = SoftmaxKernel.rowStatistics(xr, n, exponentials: nil)
        let logS = SoftmaxKernel.log(stats.sum)
        (shift[row], logSum[row]) = (stats.shift, logS)
        let (m, logSV) = (Vector(repeating: stats.shift), Vector(repeating: logS))
        var accumulator = Vector(repeating: 0)  // sum of t * log p
        SoftmaxKernel.forEachBlock(n) { j, w in
          let tv = SoftmaxKernel.load(tr + j, w, padding: 0)
          var term = tv * ((SoftmaxKernel.load(xr + j, w, padding: stats.shift) - m) - logSV)
          term.replace(with: 0, where: tv .== 0)
          accumulator += term
        }
        var loss = -accumulator.sum()
        if targetEntropy {
          var entropyTerm: Float = 0
          for c in 0..<n where tr[c] != 0 { entropyTerm += tr[c] * SoftmaxKernel.log(tr[c]) }
          loss += entropyTerm
        }
        rowLoss[row] = loss
      }
    }
  }

  /// Logits: gx += scale * (p sum_c t_c - t)   (the same for cross-entropy and KL).
  /// Targets: cross-entropy gt += scale * -log p; KL gt += scale * (log t + 1 - log p) where
  /// t > 0 and 0 where t == 0 (the 0 log 0 = 0 convention taken as a constant).
  public static func softBackward(
    logits x: UnsafePointer<Float>, targets t: UnsafePointer<Float>, rows: Int, classes n: Int,
    targetEntropy: Bool, shift: UnsafePointer<Float>, logSum: UnsafePointer<Float>,
    scale: Float, gx: UnsafeMutablePointer<Float>?, gt: UnsafeMutablePointer<Float>?
  ) {
    Parallel.forChunks(count: rows, minimumPerThread: SoftmaxKernel.minimumRows(n)) { range in
      for row in range {
        let (xr, tr) = (x + row * n, t + row * n)
        let (m, logS) = (Vector(repeating: shift[row]), Vector(repeating: logSum[row]))
        let scaleV = Vector(repeating: scale)
        if let gx {
          let gxr = gx + row * n
          var mass = Vector(repeating: 0)
          SoftmaxKernel.forEachBlock(n) { j, w in
            mass += SoftmaxKernel.load(tr + j, w, padding: 0)
          }
          let total = Vector(repeating: mass.sum())
          SoftmaxKernel.forEachBlock(n) { j, w in
            let p = VectorMath.exp((SoftmaxKernel.load(xr + j, w) - m) - logS)
            let update = p * total - SoftmaxKernel.load(tr + j, w, padding: 0)
            SoftmaxKernel.store(
              SoftmaxKernel.load(gxr + j, w).addingProduct(update, scaleV), gxr + j, w)
          }
        }
        if let gt {
          let gtr = gt + row * n
          for c in 0..<n {
            let logP = (xr[c] - shift[row]) - logSum[row]
            if !targetEntropy {
              gtr[c] -= scale * logP
            } else if tr[c] > 0 {
              gtr[c] += scale * (SoftmaxKernel.log(tr[c]) + 1 - logP)
            }
          }
        }
      }
    }
  }
}
