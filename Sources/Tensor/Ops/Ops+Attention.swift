/// Scaled dot-product attention over split heads as one autograd op
/// (Kernels/AttentionKernel.swift): scores, masks, softmax, dropout and the weighted sum run
/// fused per (batch, head) pair instead of as a chain of matmul, mask, softmax, dropout and
/// matmul ops with their intermediates.
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
    let scale = try attentionScale(scale, depth: sizes.depth)
    guard dropoutProbability >= 0, dropoutProbability < 1 else {
      throw TensorError.invalidArgument(
        op: "attention", detail: "dropout probability \(dropoutProbability) must be in [0, 1)")
    }
    let dropout =
      dropoutProbability > 0
      ? AttentionKernel.Dropout(probability: dropoutProbability, seed: dropoutSeed) : nil
    let recording = GradMode.isEnabled && [query, key, value].contains { $0.requiresGrad }
    // Saved for backward only: P (B, H, Tq, keyStride). The dropout scales are not kept: the
    // pullback draws them again (see `redrawnScales`).
    let probabilities = recording ? TensorStorage(count: sizes.savedCount, zeroed: false) : nil
    let outputShape = Shape([sizes.batch, sizes.heads, sizes.queries, sizes.valueDepth])
    let output = TensorStorage(count: outputShape.count, zeroed: false)
    AttentionKernel.forward(
      sizes, scale: scale, causal: causal, dropout: dropout, query: query.storage.pointer,
      key: key.storage.pointer, value: value.storage.pointer, keyMask: keyMask?.storage.pointer,
      output: output.pointer, probabilities: probabilities?.pointer,
      probabilityStride: sizes.keyStride, dropoutScales: nil)
    let inputs = [query, key, value]
    // Kept: Q, K and V (each gradient reads two of them) and P.
    let (queryStorage, keyStorage, valueStorage) = (query.storage, key.storage, value.storage)
    let (queryNode, keyNode, valueNode) = (
      query.gradientNodeIfRequired, key.gradientNodeIfRequired, value.gradientNodeIfRequired
    )
    return result("attention", shape: outputShape, storage: output, inputs: inputs) { g in
      guard let probabilities else { return }
      let scales = dropout.map { redrawnScales($0, sizes) }
      withExtendedLifetime(scales) {
        AttentionKernel.backward(
          sizes, scale: scale, query: queryStorage.pointer, key: keyStorage.pointer,
          value: valueStorage.pointer, probabilities: probabilities.pointer,
          dropoutScales: scales.map { UnsafePointer($0.pointer) }, gradOutput: g,
          gradQuery: queryNode?.accumulator(), gradKey: keyNode?.accumulator(),
          gradValue: valueNode?.accumulator())
      }
    }
  }

  /// The dropout scales M of every (batch, head) pair, (B, H, Tq, keyStride), drawn again from
  /// the pairs' own generators exactly as the forward pass drew them (bit for bit the same), so
  /// that they live for one node's backward instead of from the forward to the end of backward.
  private static func redrawnScales(
    _ dropout: AttentionKernel.Dropout, _ sizes: AttentionKernel.Sizes
  ) -> TensorStorage {
    let scales = TensorStorage(count: sizes.savedCount, zeroed: false)
    let (rows, stride) = (sizes.queries, sizes.keyStride)
    let m = scales.pointer
    Parallel.forChunks(
      count: sizes.pairs, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(1, rows * stride))
    ) { pairs in
      for pair in pairs {
        dropout.drawScales(
          pair: pair, into: m + pair * rows * stride, rows: rows, columns: sizes.keys,
          stride: stride)
      }
    }
    return scales
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
      probabilities: probabilities.pointer, probabilityStride: sizes.keys, dropoutScales: nil)
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

  private static func attentionScale(_ scale: Float?, depth: Int) throws -> Float {
    let resolved = scale ?? 1 / Float(Swift.max(1, depth)).squareRoot()
    guard resolved.isFinite else {
      throw TensorError.invalidArgument(
        op: "attention", detail: "scale must be finite, got \(resolved)")
    }
    return resolved
  }
}
