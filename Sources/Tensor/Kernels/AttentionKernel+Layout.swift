/// Where the fused attention kernel finds each (batch, head) pair's rows: contiguous
/// (B, H, T, D), or merged (B, T, H * D) as a projection writes them and the output projection
/// reads them, so that multi-head attention needs no permuted copies of Q, K, V and O (nor of
/// their gradients) around the kernel.
extension AttentionKernel {
  /// Where one operand's rows lie: pair (b, h) starts at b batchStride + h headStride and its
  /// token rows are tokenStride apart (its gradient has the same layout).
  public struct Layout: Sendable, Equatable {
    public let batchStride: Int, headStride: Int, tokenStride: Int

    /// Contiguous (B, H, T, width).
    public static func split(heads: Int, tokens: Int, width: Int) -> Layout {
      Layout(batchStride: heads * tokens * width, headStride: tokens * width, tokenStride: width)
    }

    /// Merged heads (B, T, H * width): head h is columns h width..<(h + 1) width of each row.
    public static func merged(heads: Int, tokens: Int, width: Int) -> Layout {
      Layout(batchStride: tokens * heads * width, headStride: width, tokenStride: heads * width)
    }

    @inline(__always)
    func offset(pair: Int, heads: Int) -> Int {
      (pair / heads) * batchStride + (pair % heads) * headStride
    }
  }

  /// The layouts of Q, K, V and O (and dQ, dK, dV, dO) for one call.
  public struct Layouts: Sendable, Equatable {
    public let query: Layout, key: Layout, value: Layout, output: Layout

    /// Every operand contiguous (B, H, T, D).
    public static func split(_ s: Sizes) -> Layouts { Layouts(s, Layout.split) }

    /// Every operand with its heads merged (B, T, H * D).
    public static func merged(_ s: Sizes) -> Layouts { Layouts(s, Layout.merged) }

    /// Each operand laid out by `layout(heads, tokens, width)`.
    private init(_ s: Sizes, _ layout: (_ heads: Int, _ tokens: Int, _ width: Int) -> Layout) {
      query = layout(s.heads, s.queries, s.depth)
      key = layout(s.heads, s.keys, s.depth)
      value = layout(s.heads, s.keys, s.valueDepth)
      output = layout(s.heads, s.queries, s.valueDepth)
    }
  }
}
