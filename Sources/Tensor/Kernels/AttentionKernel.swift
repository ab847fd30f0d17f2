/// Fused multi-head attention over raw buffers: scores, mask, softmax, dropout and the weighted
/// sum of values in one pass per (batch, head) pair, and the matching backward pass, which
/// computes P and the dropout scales M of its pair again rather than reading saved ones.
///
/// Per pair, with Q (Tq x D), K (Tk x D), V (Tk x Dv):
///   S  = scale Q K^T + mask     mask: -inf for padding keys, and for keys j > i when causal
///   P  = softmax(S) row-wise    a row with every key masked gives P = 0, not NaN
///   P' = P ∘ M                  M: inverted-dropout scales, 0 or 1 / (1 - p)
///   O  = P' V
/// Backward from dO:
///   dV = P'^T dO,  dP = (dO V^T) ∘ M,  dS = P ∘ (dP - rowsum(dP ∘ P)),
///   dQ = scale dS K,  dK = scale dS^T Q
///
/// Layout: Q, K, V, O and their gradients are (B, H, T, D) contiguous, or merged (B, T, H * D)
/// as the projections write them (`Layout`): a pair reads and writes its rows in place either
/// way, through the same scratch, so the results are the same bits. Inside a pair, every
/// right-hand operand of a product is packed into scratch whose rows are padded with zeros to a
/// multiple of 16, so the micro-kernel only moves whole SIMD16 vectors. Scores and probabilities
/// use the padded key stride; padding lanes get -inf scores and hence probability 0.
///
/// Determinism: threads split the pairs, never a pair, and each pair draws its dropout mask from
/// its own generator, so results are bit-identical for any thread count.
public enum AttentionKernel {
  public typealias Vector = VectorMath.Vector

  public struct Sizes: Sendable, Equatable {
    public let batch: Int, heads: Int, queries: Int, keys: Int, depth: Int, valueDepth: Int

    public init(batch: Int, heads: Int, queries: Int, keys: Int, depth: Int, valueDepth: Int) {
      (self.batch, self.heads, self.queries) = (batch, heads, queries)
      (self.keys, self.depth, self.valueDepth) = (keys, depth, valueDepth)
    }

    public var pairs: Int { batch * heads }
    /// Tk rounded up to 16: the row stride of scores, saved probabilities and dropout scales.
    public var keyStride: Int { AttentionKernel.padded(keys) }
    var depthStride: Int { AttentionKernel.padded(depth) }
    var valueStride: Int { AttentionKernel.padded(valueDepth) }
    /// Floats in the saved probabilities (and dropout scales): (B, H, Tq, keyStride).
    public var savedCount: Int { pairs * queries * keyStride }
    /// Pairs per thread: about 64K multiply-adds, so tiny problems stay on the calling thread.
    var minimumPairsPerThread: Int {
      max(1, (1 << 16) / max(1, queries * keys * (depth + valueDepth)))
    }
  }

  public struct Dropout: Sendable {
    public let probability: Float
    public let seed: UInt64
    public init(probability: Float, seed: UInt64) {
      (self.probability, self.seed) = (probability, seed)
    }

    /// The mask of one (batch, head) pair: independent of how pairs are split into threads.
    func mask(pair: Int) -> DropoutMask {
      var generator = RandomGenerator(seed: seed &+ UInt64(pair) &* 0x9E37_79B9_7F4A_7C15)
      return DropoutMask(key: generator.next(), probability: probability)
    }

    /// The inverted-dropout scales M of one pair, (rows, columns) row by row with row stride
    /// `stride` (padding 0): element (r, c) has the scale of index r x columns + c of the
    /// pair's `DropoutMask`, 0 or 1 / (1 - p).
    func drawScales(
      pair: Int, into m: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int
    ) {
      let mask = mask(pair: pair)
      for r in 0..<rows {
        mask.write(into: m + r * stride, first: r * columns, count: columns)
        (m + r * stride + columns).update(repeating: 0, count: stride - columns)
      }
    }
  }

  /// Writes O (B, H, Tq, Dv), or as `layouts` say, when `value` and `output` are given; writes P
  /// (B, H, Tq, ·) with row stride `probabilityStride` when `probabilities` is given (for
  /// display: training's backward computes P again). `keyMask` is (B, Tk), non-zero = attend.
  /// `layouts` nil: every operand contiguous (B, H, T, D).
  public static func forward(
    _ s: Sizes, layouts: Layouts? = nil, scale: Float, causal: Bool, dropout: Dropout?,
    query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>?,
    keyMask: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?, probabilityStride: Int
  ) {
    let (tq, tk, d, dv, ks, vs) = (
      s.queries, s.keys, s.depth, s.valueDepth, s.keyStride, s.valueStride
    )
    let l = layouts ?? .split(s)
    Parallel.forChunks(count: s.pairs, minimumPerThread: s.minimumPairsPerThread) { range in
      let scratch = Scratch([
        d * ks, tk * vs, tq * ks, tq * vs, ks, 2 * ks, dropout == nil ? 0 : tq * ks,
      ])
      defer { scratch.release() }
      let (keyT, valuePacked, scores, out, bias) = (
        scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
      )
      let causalTable = scratch[5]
      fillCausalTable(causalTable, stride: ks)
      for pair in range {
        pairProbabilities(
          s, l, pair: pair, scale: scale, causal: causal, query: query, key: key,
          keyMask: keyMask, keyT: keyT, bias: bias, causalTable: causalTable, into: scores)
        if let probabilities {
          let saved = probabilities + pair * tq * probabilityStride
          for i in 0..<tq {
            (saved + i * probabilityStride).update(from: scores + i * ks, count: probabilityStride)
          }
        }
        if let dropout {
          // P' = P ∘ M
          let scales = scratch[6]
          dropout.drawScales(pair: pair, into: scales, rows: tq, columns: tk, stride: ks)
          for i in 0..<(tq * ks / 16) {
            store(load(scores + 16 * i) * load(scales + 16 * i), scores + 16 * i)
          }
        }
        guard let value, let output else { continue }
        pack(
          value + l.value.offset(pair: pair, heads: s.heads), rows: tk, columns: dv,
          sourceStride: l.value.tokenStride, into: valuePacked, stride: vs)
        multiply(
          m: tq, n: vs, k: tk, a: scores, rowStride: ks, columnStride: 1,
          b: valuePacked, ldb: vs, c: out, ldc: vs, alpha: 1)
        unpack(
          out, stride: vs, rows: tq, columns: dv,
          into: output + l.output.offset(pair: pair, heads: s.heads),
          destinationStride: l.output.tokenStride, accumulate: false)
      }
    }
  }

  /// P = softmax(scale Q Kᵀ + mask) of one pair into `scores` (Tq x keyStride), row by row;
  /// `keyT` (D x keyStride), `bias` (keyStride) and the causal table are the caller's scratch.
  /// Forward and backward both call this, so the backward's P is bit for bit the forward's.
  @inline(__always)
  static func pairProbabilities(
    _ s: Sizes, _ l: Layouts, pair: Int, scale: Float, causal: Bool,
    query: UnsafePointer<Float>, key: UnsafePointer<Float>, keyMask: UnsafePointer<Float>?,
    keyT: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>,
    causalTable: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>
  ) {
    let (tq, tk, d, ks) = (s.queries, s.keys, s.depth, s.keyStride)
    let b = pair / s.heads
    for j in 0..<ks {
      bias[j] = j < tk && (keyMask.map { $0[b * tk + j] != 0 } ?? true) ? 0 : -.infinity
    }
    // K^T (D, Tk)
    packTransposed(
      key + l.key.offset(pair: pair, heads: s.heads), rows: tk, columns: d,
      sourceStride: l.key.tokenStride, into: keyT, stride: ks)
    multiply(
      m: tq, n: ks, k: d, a: query + l.query.offset(pair: pair, heads: s.heads),
      rowStride: l.query.tokenStride, columnStride: 1, b: keyT, ldb: ks, c: scores, ldc: ks,
      alpha: scale)
    for i in 0..<tq {
      let causalBias = causal ? UnsafePointer(causalTable + (ks - 1 - i)) : nil
      softmaxRow(scores + i * ks, bias: bias, causalBias: causalBias, stride: ks)
    }
  }

  /// Adds dQ, dK, dV into the given gradient buffers (nil: not needed), laid out as their
  /// operands. P and the dropout scales are not saved by the forward: each pair computes them
  /// again (`pairProbabilities`, `Dropout.drawScales`) into its thread's scratch, the same bits,
  /// so that the graph holds no (B, H, Tq, Tk) buffer from the forward to the backward.
  public static func backward(
    _ s: Sizes, layouts: Layouts? = nil, scale: Float, causal: Bool, dropout: Dropout?,
    query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
    keyMask: UnsafePointer<Float>?, gradOutput: UnsafePointer<Float>,
    gradQuery: UnsafeMutablePointer<Float>?, gradKey: UnsafeMutablePointer<Float>?,
    gradValue: UnsafeMutablePointer<Float>?
  ) {
    let (tq, tk, d, dv) = (s.queries, s.keys, s.depth, s.valueDepth)
    let (ks, ds, vs) = (s.keyStride, s.depthStride, s.valueStride)
    let needsScores = gradQuery != nil || gradKey != nil
    let l = layouts ?? .split(s)
    Parallel.forChunks(count: s.pairs, minimumPerThread: s.minimumPairsPerThread) { range in
      let scratch = Scratch([
        tq * ds, tk * ds, dv * ks, tq * vs, tq * ks, dropout == nil ? 0 : tq * ks, tq * ds,
        tk * ds, tk * vs, tq * ks, dropout == nil ? 0 : tq * ks, d * ks, ks, 2 * ks,
      ])
      defer { scratch.release() }
      let (probabilities, scales, keyT, bias, causalTable) = (
        scratch[9], scratch[10], scratch[11], scratch[12], scratch[13]
      )
      fillCausalTable(causalTable, stride: ks)
      let (queryPacked, keyPacked, valueT, gradOutPacked) = (
        scratch[0], scratch[1], scratch[2], scratch[3]
      )
      let (dS, dropped, dQ, dK, dV) = (scratch[4], scratch[5], scratch[6], scratch[7], scratch[8])
      for pair in range {
        pairProbabilities(
          s, l, pair: pair, scale: scale, causal: causal, query: query, key: key,
          keyMask: keyMask, keyT: keyT, bias: bias, causalTable: causalTable, into: probabilities)
        let p = UnsafePointer(probabilities)
        var m: UnsafePointer<Float>?
        if let dropout {
          dropout.drawScales(pair: pair, into: scales, rows: tq, columns: tk, stride: ks)
          m = UnsafePointer(scales)
        }
        let g = gradOutput + l.output.offset(pair: pair, heads: s.heads)
        let (queryOffset, keyOffset, valueOffset) = (
          l.query.offset(pair: pair, heads: s.heads), l.key.offset(pair: pair, heads: s.heads),
          l.value.offset(pair: pair, heads: s.heads)
        )
        if let gradValue {
          // P' = P ∘ M, read transposed: dV = P'^T dO  (Tk, Dv)
          var weights = p
          if let m {
            for i in 0..<(tq * ks / 16) {
              store(load(p + 16 * i) * load(m + 16 * i), dropped + 16 * i)
            }
            weights = UnsafePointer(dropped)
          }
          pack(
            g, rows: tq, columns: dv, sourceStride: l.output.tokenStride, into: gradOutPacked,
            stride: vs)
          multiply(
            m: tk, n: vs, k: tq, a: weights, rowStride: 1, columnStride: ks,
            b: gradOutPacked, ldb: vs, c: dV, ldc: vs, alpha: 1)
          unpack(
            dV, stride: vs, rows: tk, columns: dv, into: gradValue + valueOffset,
            destinationStride: l.value.tokenStride, accumulate: true)
        }
        guard needsScores else { continue }
        // dP' = dO V^T  (Tq, Tk), through V^T (Dv, Tk)
        packTransposed(
          value + valueOffset, rows: tk, columns: dv, sourceStride: l.value.tokenStride,
          into: valueT, stride: ks)
        multiply(
          m: tq, n: ks, k: dv, a: g, rowStride: l.output.tokenStride, columnStride: 1, b: valueT,
          ldb: ks, c: dS, ldc: ks, alpha: 1)
        for i in 0..<tq {
          softmaxBackwardRow(
            dS + i * ks, probabilities: p + i * ks, scales: m.map { $0 + i * ks }, stride: ks)
        }
        if let gradQuery {
          pack(
            key + keyOffset, rows: tk, columns: d, sourceStride: l.key.tokenStride,
            into: keyPacked, stride: ds)
          multiply(
            m: tq, n: ds, k: tk, a: dS, rowStride: ks, columnStride: 1, b: keyPacked, ldb: ds,
            c: dQ, ldc: ds, alpha: scale)
          unpack(
            dQ, stride: ds, rows: tq, columns: d, into: gradQuery + queryOffset,
            destinationStride: l.query.tokenStride, accumulate: true)
        }
        if let gradKey {
          pack(
            query + queryOffset, rows: tq, columns: d, sourceStride: l.query.tokenStride,
            into: queryPacked, stride: ds)
          multiply(
            m: tk, n: ds, k: tq, a: dS, rowStride: 1, columnStride: ks, b: queryPacked, ldb: ds,
            c: dK, ldc: ds, alpha: scale)
          unpack(
            dK, stride: ds, rows: tk, columns: d, into: gradKey + keyOffset,
            destinationStride: l.key.tokenStride, accumulate: true)
        }
      }
    }
  }

  // MARK: Row kernels on padded rows (whole vectors)

  /// Adds the key bias (0 or -inf) and, when causal, the row's causal bias, then replaces the
  /// row by its softmax. An all -inf row uses shift 0 and sum 1, so it becomes 0 (exp(-inf) = 0).
  @inline(__always)
  static func softmaxRow(
    _ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
    causalBias: UnsafePointer<Float>?,
    stride: Int
  ) {
    var maximum = Vector(repeating: -.infinity)
    for j in Swift.stride(from: 0, to: stride, by: 16) {
      var x = load(row + j) + load(bias + j)
      if let causalBias { x += load(causalBias + j) }
      store(x, row + j)
      maximum = VectorMath.lanewiseMax(maximum, x)
    }
    var shift = VectorMath.horizontalMax(maximum)
    if shift == -.infinity { shift = 0 }
    var sum = Vector(repeating: 0)
    for j in Swift.stride(from: 0, to: stride, by: 16) {
      let e = VectorMath.exp(load(row + j) - Vector(repeating: shift))
      store(e, row + j)
      sum += e
    }
    var total = VectorMath.horizontalSum(sum)
    if total == 0 { total = 1 }
    // One division per row: a vector divide per block costs as much as the exps.
    let reciprocal = Vector(repeating: 1 / total)
    for j in Swift.stride(from: 0, to: stride, by: 16) {
      store(load(row + j) * reciprocal, row + j)
    }
  }

  /// A table of `stride` zeros then `stride` -infs: row i of the causal mask (-inf for j > i) is
  /// the window starting at stride - 1 - i. Adding it avoids per-lane index compares, which
  /// Swift lowers to a scalar loop over the lanes.
  static func fillCausalTable(_ table: UnsafeMutablePointer<Float>, stride: Int) {
    table.update(repeating: 0, count: stride)
    (table + stride).update(repeating: -.infinity, count: stride)
  }

  /// In place: dP' → dS = P ∘ (dP - rowsum(dP ∘ P)) with dP = dP' ∘ M.
  @inline(__always)
  static func softmaxBackwardRow(
    _ row: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
    scales: UnsafePointer<Float>?, stride: Int
  ) {
    var dot = Vector(repeating: 0)
    for j in Swift.stride(from: 0, to: stride, by: 16) {
      var dp = load(row + j)
      if let scales { dp *= load(scales + j) }
      store(dp, row + j)
      dot = dot.addingProduct(dp, load(p + j))
    }
    let total = Vector(repeating: VectorMath.horizontalSum(dot))
    for j in Swift.stride(from: 0, to: stride, by: 16) {
      store(load(p + j) * (load(row + j) - total), row + j)
    }
  }

  // MARK: Small products

  /// Per-thread scratch: one 64-byte aligned allocation carved into buffers of 16-float multiples.
  struct Scratch {
    private let base: UnsafeMutablePointer<Float>
    private let offsets: [Int]

    init(_ counts: [Int]) {
      var offsets: [Int] = []
      var total = 0
      for count in counts {
        offsets.append(total)
        total += padded(count)
      }
      let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, total) * 4, alignment: 64)
      base = raw.bindMemory(to: Float.self, capacity: max(1, total))
      self.offsets = offsets
    }

    subscript(index: Int) -> UnsafeMutablePointer<Float> { base + offsets[index] }

    func release() { UnsafeMutableRawPointer(base).deallocate() }
  }

  @inline(__always)
  static func padded(_ n: Int) -> Int { (n + 15) & ~15 }
}
