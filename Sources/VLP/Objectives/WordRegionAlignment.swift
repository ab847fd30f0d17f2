import Foundation
import Tensor

/// UNITER's word-region alignment (model/ot.py, model/pretrain.py): the optimal transport
/// distance between a pair's word states and region states, found by IPOT (inexact proximal
/// point) with the plan held constant, so the gradient flows through the cost only.
///
/// ```
/// C[i, j] = 1 − cos(word_i, region_j); 0 where either is padding       (M × N per pair)
/// A = exp(−Cᵀ / β); T = 1; σ = 1 / n_words
/// 50 times:  Q = A ⊙ T;  δ = 1 / (n_regions · Q σ);  σ = 1 / (n_words · δᵀ Q);  T = diag(δ) Q diag(σ)
/// distance = Σ_ij C[i, j] T[j, i]
/// L_wra = (Σ_pos distance − Σ_neg distance) / (N_pos + N_neg)
/// ```
public enum WordRegionAlignment {
  public static let beta = 0.5
  public static let iterations = 50
  /// Added to the denominators of padded slots, as UNITER's `x_mask`/`y_mask` (1e4), so their
  /// δ or σ is ~0 and they carry no mass.
  static let paddingPenalty = 1e4

  /// The IPOT plan of one pair. cost (M, N) row-major, word and region masks (1 = real).
  /// → T (N, M) row-major, in Double; every column of a real word sums to 1 / n_words exactly,
  /// every row of a real region to about 1 / n_regions; padded cells are 0.
  public static func plan(
    cost: [Double], words: [Float], regions: [Float], beta: Double = beta,
    iterations: Int = iterations
  ) -> [Double] {
    let (m, n) = (words.count, regions.count)
    let wordCount = Double(words.filter { $0 > 0 }.count)
    let regionCount = Double(regions.filter { $0 > 0 }.count)
    var plan = [Double](repeating: 0, count: n * m)
    guard wordCount > 0, regionCount > 0 else { return plan }
    var kernel = plan  // A (N, M)
    for j in 0..<n where regions[j] > 0 {
      for i in 0..<m where words[i] > 0 {
        kernel[j * m + i] = Foundation.exp(-cost[i * n + j] / beta)
        plan[j * m + i] = 1
      }
    }
    var sigma = words.map { $0 > 0 ? 1 / wordCount : 0 }
    var delta = [Double](repeating: 0, count: n)
    var q = plan
    for _ in 0..<iterations {
      for k in q.indices { q[k] = kernel[k] * plan[k] }
      for j in 0..<n {
        var sum = 0.0
        for i in 0..<m { sum += q[j * m + i] * sigma[i] }
        delta[j] = 1 / (regionCount * sum + (regions[j] > 0 ? 0 : paddingPenalty))
      }
      for i in 0..<m {
        var sum = 0.0
        for j in 0..<n { sum += delta[j] * q[j * m + i] }
        sigma[i] = 1 / (wordCount * sum + (words[i] > 0 ? 0 : paddingPenalty))
      }
      for j in 0..<n {
        for i in 0..<m { plan[j * m + i] = delta[j] * q[j * m + i] * sigma[i] }
      }
    }
    for j in 0..<n {
      for i in 0..<m where regions[j] == 0 || words[i] == 0 { plan[j * m + i] = 0 }
    }
    return plan
  }

  /// OT distances (B) between word states (B, M, d) and region states (B, N, d), with masks
  /// (B, M) and (B, N) (nil: all real). The gradient reaches both sets of states.
  public static func distances(
    words: Tensor, regions: Tensor, wordMask: Tensor, regionMask: Tensor?
  ) throws -> Tensor {
    let (b, m, n) = (words.shape[0], words.shape[1], regions.shape[1])
    let wordValid = wordMask.scalars
    let regionValid = regionMask?.scalars ?? [Float](repeating: 1, count: b * n)
    var joint = [Float](repeating: 0, count: b * m * n)
    for p in 0..<b {
      for i in 0..<m where wordValid[p * m + i] > 0 {
        for j in 0..<n where regionValid[p * n + j] > 0 { joint[(p * m + i) * n + j] = 1 }
      }
    }
    // UNITER normalises with eps 1e-5 (F.normalize) before the cosine.
    let similarity = try Tensor.matmul(
      words.l2Normalized(epsilon: 1e-5), regions.l2Normalized(epsilon: 1e-5), transposeB: true)
    let cost = try (1 - similarity) * Tensor(shape: [b, m, n], values: joint)  // (B, M, N)
    let costValues = cost.scalars
    var weights = [Float](repeating: 0, count: b * m * n)  // Tᵀ per pair: (B, M, N)
    for p in 0..<b {
      let t = plan(
        cost: costValues[p * m * n..<(p + 1) * m * n].map(Double.init),
        words: Array(wordValid[p * m..<(p + 1) * m]),
        regions: Array(regionValid[p * n..<(p + 1) * n]))
      for i in 0..<m {
        for j in 0..<n { weights[(p * m + i) * n + j] = Float(t[j * m + i]) }
      }
    }
    return try (cost * Tensor(shape: [b, m, n], values: weights)).sum(axes: [1, 2])
  }

  /// UNITER's OT loss on ITM pairs: labels 1 (matched) and 0 (negative).
  public static func loss(distances: Tensor, labels: [Int]) throws -> Tensor {
    let signs = labels.map { Float($0 == 1 ? 1 : -1) }
    let count = Float(Swift.max(1, labels.count))
    return try (distances * Tensor(shape: [labels.count], values: signs)).sum() / count
  }
}

extension WordRegionAlignment {
  /// WRA on the pairs of ALBEF's ITM pass. UNITER aligns every word ([CLS] and [SEP] included)
  /// with every region; the image encoder's own [CLS] is no region and is left out, as ViLT does.
  static func loss(onMatchingPairs pairs: ImageTextMatching.FusedPairs) throws -> Tensor {
    let items = pairs.imageTokens.shape[1] - 1
    let distances = try distances(
      words: pairs.fused, regions: pairs.imageTokens.sliced(axis: 1, range: 1..<items + 1),
      wordMask: pairs.textMask,
      regionMask: pairs.imageMask?.sliced(axis: 1, range: 1..<items + 1))
    return try loss(distances: distances, labels: pairs.labels)
  }
}
