import Tensor

/// Multi-head attention as self-attention (keys and values from the queries' sequence) or
/// cross-attention (from another sequence, possibly of another width, as ALBEF's fusion layers
/// attend from text to image tokens). Scores, masks, softmax and the weighted sum run in one
/// fused kernel (`Tensor.attention`).
public final class MultiHeadAttention: Module {
  public let query: Linear
  public let key: Linear
  public let value: Linear
  public let output: Linear
  public let headCount: Int
  public let dimension: Int
  public let attentionDropout: Float
  /// Set by a probe between steps to record this layer's probabilities (and their gradient);
  /// nil in training, where the fused kernel runs.
  public var recorder: AttentionRecorder?

  /// `keyValueSize` is the width of the sequence attended to (the same as `dimension` for
  /// self-attention).
  public init(
    dimension: Int, headCount: Int, keyValueSize: Int? = nil, attentionDropout: Float = 0,
    random: inout RandomGenerator
  ) throws {
    guard headCount > 0, dimension % headCount == 0 else {
      throw TensorError.invalidArgument(
        op: "MultiHeadAttention", detail: "dimension \(dimension) is not divisible by \(headCount) heads")
    }
    let source = keyValueSize ?? dimension
    query = Linear(inputSize: dimension, outputSize: dimension, random: &random)
    key = Linear(inputSize: source, outputSize: dimension, random: &random)
    value = Linear(inputSize: source, outputSize: dimension, random: &random)
    output = Linear(inputSize: dimension, outputSize: dimension, random: &random)
    self.headCount = headCount
    self.dimension = dimension
    self.attentionDropout = attentionDropout
  }

  public var children: [(name: String, module: any Module)] {
    [("query", query), ("key", key), ("value", value), ("output", output)]
  }

  /// x: (B, Tq, d); keysValues: (B, Tk, d_kv) or nil for self-attention; keyMask: (B, Tk) with
  /// 1 = attend, 0 = padding. Returns (B, Tq, d).
  public func callAsFunction(
    _ x: Tensor, keysValues: Tensor? = nil, keyMask: Tensor? = nil, causal: Bool = false,
    context: ForwardContext
  ) throws -> Tensor {
    guard x.rank == 3 else {
      throw TensorError.shapeMismatch(op: "MultiHeadAttention", detail: "input \(x.shape) must be (batch, length, \(dimension))")
    }
    let source = keysValues ?? x
    let (q, k, v) = try (query(x), key(source), value(source))  // (B, Tq, d), (B, Tk, d) x 2
    let attended: Tensor
    if let recorder {
      // A probe's recorder (no dropout: probes run without), on split heads.
      attended = try recorder.attend(
        query: splitHeads(q), key: splitHeads(k), value: splitHeads(v), keyMask: keyMask,
        causal: causal
      )  // (B, H, Tq, Dh)
      .permuted([0, 2, 1, 3])  // (B, Tq, H, Dh)
      .reshaped([x.shape[0], x.shape[1], dimension])  // (B, Tq, d)
    } else {
      // In training, the fused kernel reads the heads in place and writes them merged.
      let dropout = context.training ? attentionDropout : 0
      attended = try Tensor.attention(
        heads: headCount, query: q, key: k, value: v, keyMask: keyMask, causal: causal,
        dropoutProbability: dropout, dropoutSeed: dropout > 0 ? context.nextSeed() : 0)  // (B, Tq, d)
    }
    return try output(attended)
  }

  /// (B, T, d) → (B, H, T, d / H)
  private func splitHeads(_ x: Tensor) throws -> Tensor {
    try x.reshaped([x.shape[0], x.shape[1], headCount, dimension / headCount])  // (B, T, H, Dh)
      .permuted([0, 2, 1, 3])  // (B, H, T, Dh)
  }
}
