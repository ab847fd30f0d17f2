/// Scaled dot-product attention as one autograd op (Kernels/AttentionKernel.swift), on split
/// heads (B, H, T, D) or on heads merged as the projections write them (B, T, H D): scores,
/// masks, softmax, dropout and the weighted sum run fused per (batch, head) pair instead of as a
/// chain of matmul, mask, softmax, dropout and matmul ops with their intermediates.
extension Tensor {
  /// query (B, H, Tq, D), key (B, H, Tk, D), value (B, H, Tk, Dv) → (B, H, Tq, Dv).
  ///
  /// `keyMask` (B, Tk): 1 = attend, 0 = padding (BERT's attention_mask); nil attends to every
  /// key. `causal` hides keys j > i from query i and needs Tq == Tk. A query whose keys are all
  /// masked gets a zero output. `scale` defaults to 1/sqrt(D). Dropout on the probabilities is
  /// inverted (kept entries scaled by 1/(1 - p)) and its mask is fixed by `dropoutSeed`: pair
  /// (b, h) draws its Tq x Tk uniforms row by row, two 24-bit ones per 64-bit draw, from
  /// `RandomGenerator(seed: dropoutSeed &+ UInt64(b * H + h) &* 0x9E3779B97F4A7C15)`
  /// (see `AttentionKernel.Dropout.drawScales`), so it does not depend on the thread count.
  /// The key mask is never differentiated.
  public static func attention(
    query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor? = nil, causal: Bool = false,
    scale: Float? = nil, dropoutProbability: Float = 0, dropoutSeed: UInt64 = 0
  ) throws -> Tensor {
    let sizes = try attentionSizes(query, key, value: value, keyMask: keyMask, causal: causal)
    return try fusedAttention(
      sizes, layouts: .split(sizes),
      outputShape: Shape([sizes.batch, sizes.heads, sizes.queries, sizes.valueDepth]),
      query: query, key: key, value: value, keyMask: keyMask, causal: causal, scale: scale,
      dropoutProbability: dropoutProbability, dropoutSeed: dropoutSeed)
  }

  /// `attention` on heads merged as the projections write them: query (B, Tq, H D), key
  /// (B, Tk, H D), value (B, Tk, H Dv) → (B, Tq, H Dv), head h being columns h D..<(h + 1) D.
  /// The same bits as splitting the heads ((B, T, H, D) permuted to (B, H, T, D)), calling
  /// `attention` and merging its output back, values and gradients, without the four permuted
  /// copies forward and the four backward. Masks, scale (default 1/sqrt(D)) and dropout as there.
  public static func attention(
    heads: Int, query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor? = nil,
    causal: Bool = false, scale: Float? = nil, dropoutProbability: Float = 0,
    dropoutSeed: UInt64 = 0
  ) throws -> Tensor {
    let sizes = try mergedAttentionSizes(
      heads: heads, query, key, value: value, keyMask: keyMask, causal: causal)
    return try fusedAttention(
      sizes, layouts: .merged(sizes),
      outputShape: Shape([sizes.batch, sizes.queries, heads * sizes.valueDepth]),
      query: query, key: key, value: value, keyMask: keyMask, causal: causal, scale: scale,
      dropoutProbability: dropoutProbability, dropoutSeed: dropoutSeed)
  }

  /// The op behind both layouts: the kernel forward, and a pullback that adds dQ, dK, dV into
  /// the inputs' gradients in their own layout.
  private static func fusedAttention(
    _ sizes: AttentionKernel.Sizes, layouts: AttentionKernel.Layouts, outputShape: Shape,
    query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor?, causal: Bool, scale: Float?,
    dropoutProbability: Float, dropoutSeed: UInt64
  ) throws -> Tensor {
    let scale = try attentionScale(scale, depth: sizes.depth)
    guard dropoutProbability >= 0, dropoutProbability < 1 else {
      throw TensorError.invalidArgument(
        op: "attention", detail: "dropout probability \(dropoutProbability) must be in [0, 1)")
    }
    let dropout =
      dropoutProbability > 0
      ? AttentionKernel.Dropout(probability: dropoutProbability, seed: dropoutSeed) : nil
    let output = TensorStorage(count: outputShape.count, zeroed: false)
    AttentionKernel.forward(
      sizes, layouts: layouts, scale: scale, causal: causal, dropout: dropout,
      query: query.storage.pointer, key: key.storage.pointer, value: value.storage.pointer,
      keyMask: keyMask?.storage.pointer, output: output.pointer, probabilities: nil,
      probabilityStride: sizes.keyStride)
    let inputs = [query, key, value]
    // Kept: Q, K and V (each gradient reads two of them) and the key mask. P and the dropout
    // scales are not: the backward computes them again per (batch, head) pair, the same bits,
    // instead of the graph holding (B, H, Tq, Tk) floats per layer until then.
    let (queryStorage, keyStorage, valueStorage) = (query.storage, key.storage, value.storage)
    let keyMaskStorage = keyMask?.storage
    let (queryNode, keyNode, valueNode) = (
      query.gradientNodeIfRequired, key.gradientNodeIfRequired, value.gradientNodeIfRequired
    )
    return result("attention", shape: outputShape, storage: output, inputs: inputs) { g in
      withExtendedLifetime(keyMaskStorage) {
        AttentionKernel.backward(
          sizes, layouts: layouts, scale: scale, causal: causal, dropout: dropout,
          query: queryStorage.pointer, key: keyStorage.pointer, value: valueStorage.pointer,
          keyMask: keyMaskStorage.map { UnsafePointer($0.pointer) }, gradOutput: g,
          gradQuery: queryNode?.accumulator(), gradKey: keyNode?.accumulator(),
          gradValue: valueNode?.accumulator())
      }
    }
  }

  /// The attention probabilities softmax(scale Q K^T + mask), (B, H, Tq, Tk), without dropout
  /// and without recording gradients (for display). Masked entries are 0; fully masked rows are 0.
  public static func attentionProbabilities(
    query: Tensor, key: Tensor, keyMask: Tensor? = nil, causal: Bool = false, scale: Float? = nil
  ) throws -> Tensor {
    let sizes = try attentionSizes(query, key, value: nil, keyMask: keyMask, causal: causal)
    let scale = try attentionScale(scale, depth: sizes.depth)
    let shape = Shape([sizes.batch, sizes.heads, sizes.queries, sizes.keys])
    let probabilities = TensorStorage(count: shape.count, zeroed: false)
    AttentionKernel.forward(
      sizes, scale: scale, causal: causal, dropout: nil, query: query.storage.pointer,
      key: key.storage.pointer, value: nil, keyMask: keyMask?.storage.pointer, output: nil,
      probabilities: probabilities.pointer, probabilityStride: sizes.keys)
    return Tensor(shape: shape, storage: probabilities)
  }

  /// Checks every shape against query (B, H, Tq, D) and names all of them in the error.
  private static func attentionSizes(
    _ query: Tensor, _ key: Tensor, value: Tensor?, keyMask: Tensor?, causal: Bool
  ) throws -> AttentionKernel.Sizes {
    let shapes =
      "query \(query.shape), key \(key.shape)"
      + (value.map { ", value \($0.shape)" } ?? "")
      + (keyMask.map { ", keyMask \($0.shape)" } ?? "")
    func mismatch(_ reason: String) -> TensorError {
      .shapeMismatch(op: "attention", detail: "\(shapes): \(reason)")
    }
    let operands = [query, key] + (value.map { [$0] } ?? [])
    guard operands.allSatisfy({ $0.rank == 4 }) else {
      throw mismatch("query, key and value must have rank 4, (batch, heads, tokens, depth)")
    }
    let (q, k) = (query.dimensions, key.dimensions)
    guard k[0] == q[0], k[1] == q[1],
      value.map({ $0.shape[0] == q[0] && $0.shape[1] == q[1] }) ?? true
    else {
      throw mismatch("batch and head counts differ")
    }
    guard k[3] == q[3] else { throw mismatch("query and key depths differ") }
    if let value, value.shape[2] != k[2] { throw mismatch("key and value token counts differ") }
    if let keyMask, keyMask.shape != Shape([q[0], k[2]]) {
      throw mismatch("keyMask must have shape (batch, keys) = (\(q[0]), \(k[2]))")
    }
    if causal, q[2] != k[2] { throw mismatch("a causal mask needs as many queries as keys") }
    return AttentionKernel.Sizes(
      batch: q[0], heads: q[1], queries: q[2], keys: k[2], depth: q[3],
      valueDepth: value?.shape[3] ?? 0)
  }

  /// Checks merged-head shapes against query (B, Tq, H D) and names all of them in the error.
  private static func mergedAttentionSizes(
    heads: Int, _ query: Tensor, _ key: Tensor, value: Tensor, keyMask: Tensor?, causal: Bool
  ) throws -> AttentionKernel.Sizes {
    let shapes =
      "query \(query.shape), key \(key.shape), value \(value.shape)"
      + (keyMask.map { ", keyMask \($0.shape)" } ?? "")
    func mismatch(_ reason: String) -> TensorError {
      .shapeMismatch(op: "attention", detail: "\(shapes) with \(heads) heads: \(reason)")
    }
    guard heads > 0 else { throw mismatch("the head count must be positive") }
    guard [query, key, value].allSatisfy({ $0.rank == 3 }) else {
      throw mismatch("query, key and value must have rank 3, (batch, tokens, heads x depth)")
    }
    let (q, k, v) = (query.dimensions, key.dimensions, value.dimensions)
    guard k[0] == q[0], v[0] == q[0] else { throw mismatch("batch sizes differ") }
    guard [q[2], k[2], v[2]].allSatisfy({ $0 % heads == 0 }) else {
      throw mismatch("every width must be a multiple of the head count")
    }
    guard k[2] == q[2] else { throw mismatch("query and key depths differ") }
    guard v[1] == k[1] else { throw mismatch("key and value token counts differ") }
    if let keyMask, keyMask.shape != Shape([q[0], k[1]]) {
      throw mismatch("keyMask must have shape (batch, keys) = (\(q[0]), \(k[1]))")
    }
    if causal, q[1] != k[1] { throw mismatch("a causal mask needs as many queries as keys") }
    return AttentionKernel.Sizes(
      batch: q[0], heads: heads, queries: q[1], keys: k[1], depth: q[2] / heads,
      valueDepth: v[2] / heads)
  }

  private static func attentionScale(_ scale: Float?, depth: Int) throws -> Float {
    let resolved = scale ?? 1 / Float(Swift.max(1, depth)).squareRoot()
    guard resolved.isFinite else {
      throw TensorError.invalidArgument(
        op: "attention", detail: "scale must be finite, got \(resolved)")
    }
    return resolved
  }
}
