/// ALBEF's Grad-CAM on a cross-attention map (visualization.ipynb and Grounding.py of
/// salesforce/ALBEF, with `save_attention_map` and the hook `save_attn_gradients` of
/// models/xbert.py): for the attention probabilities P (heads, queries, keys) of one pair and
/// the gradient G = dS/dP of the ITM "match" logit S,
///
///     cam[q, k] = mean over heads h of  P[h, q, k] · max(0, G[h, q, k])
///
/// over the image tokens k after the image [CLS]. Without G (the raw map) it is the mean of P
/// over heads. The notebook shows one text token's row per panel; Grounding.py averages the
/// rows of every text position; here a word's map is the mean of its tokens' rows and the
/// caption's is the mean of its words' maps (docs/objectives.md).
public enum GradCAM {
  /// Rows `queries` of the map, each over `keys`: (queries.count, keys.count).
  /// `probabilities` and `gradients` are (heads, queryCount, keyCount), row-major.
  public static func rows(
    probabilities: [Float], gradients: [Float]?, heads: Int, queryCount: Int, keyCount: Int,
    queries: [Int], keys: Range<Int>
  ) -> [[Float]] {
    precondition(probabilities.count == heads * queryCount * keyCount, "P is (heads, queries, keys)")
    precondition(gradients.map { $0.count == probabilities.count } ?? true, "G has P's shape")
    return queries.map { query in
      keys.map { key in
        var sum: Float = 0
        for head in 0..<heads {
          let offset = (head * queryCount + query) * keyCount + key
          let weight = gradients.map { Swift.max(0, $0[offset]) } ?? 1
          sum += probabilities[offset] * weight
        }
        return sum / Float(Swift.max(1, heads))
      }
    }
  }

  /// One map per word: the mean of the rows of its tokens (`tokenRows[w]`, query positions).
  public static func wordMaps(
    probabilities: [Float], gradients: [Float]?, heads: Int, queryCount: Int, keyCount: Int,
    tokenRows: [Range<Int>], keys: Range<Int>
  ) -> [[Float]] {
    tokenRows.map { span in
      let rows = rows(
        probabilities: probabilities, gradients: gradients, heads: heads, queryCount: queryCount,
        keyCount: keyCount, queries: Array(span), keys: keys)
      return AttentionMap.mean(rows, count: keys.count)
    }
  }
}
