import Tensor

/// What a probe hangs on one attention layer to see its probabilities and, optionally, the
/// gradient of a score with respect to them (ALBEF's `save_attention_map` and the hook
/// `save_attn_gradients` of models/xbert.py, for Grad-CAM).
///
/// A layer without a recorder (every training step) runs the fused kernel and nothing here
/// costs anything. With one, the layer computes P = softmax(scale Q K^T + mask) without dropout,
/// keeps it in `probabilities` and multiplies it with V by an ordinary product. With
/// `recordsGradient`, P is a leaf that requires a gradient: once the caller has run
/// `backward()` from a score, `gradient` is dScore/dP, which is what the hook on
/// `attention_probs` receives (the gradient reaches P; the layer's query and key projections
/// get none through it). The caller zeroes the parameters' gradients afterwards.
public final class AttentionRecorder {
  public let recordsGradient: Bool
  /// (B, H, Tq, Tk) from the layer's last forward pass.
  public private(set) var probabilities: Tensor?

  public init(recordsGradient: Bool) { self.recordsGradient = recordsGradient }

  /// dScore/dP (B, H, Tq, Tk) after `backward()`; nil before it or without `recordsGradient`.
  public var gradient: Tensor? { probabilities?.grad }

  /// The layer's attention output (B, H, Tq, Dv) through the recorded probabilities.
  func attend(query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor?, causal: Bool) throws
    -> Tensor
  {
    let recorded = try Tensor.attentionProbabilities(
      query: query, key: key, keyMask: keyMask, causal: causal)  // (B, H, Tq, Tk)
    if recordsGradient && GradMode.isEnabled { recorded.requiringGrad() }
    probabilities = recorded
    return try recorded.matmul(value)  // (B, H, Tq, Dv)
  }
}
