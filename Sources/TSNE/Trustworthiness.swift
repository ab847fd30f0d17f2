import Tensor

/// Trustworthiness of an embedding (Venna and Kaski 2001), as scikit-learn's
/// `sklearn.manifold.trustworthiness`:
///
///   T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i} (r(i, j) - k)
///
/// where U_i holds the k nearest neighbours of i in the embedding that are not among its k
/// nearest in the input, and r(i, j) is the rank of j among i's input neighbours (1 = nearest).
/// 1 means every embedded neighbourhood is a true one. Equal distances rank by index.
public enum Trustworthiness {
  /// The score of `embedding` (count x embeddingDimensions) for `original`
  /// (count x dimensions), both row-major; `neighbours` must be below count / 2.
  public static func score(
    original: [Float], dimensions: Int, embedding: [Float], embeddingDimensions: Int = 2,
    neighbours k: Int = 10
  ) throws -> Double {
    let count = dimensions > 0 ? original.count / dimensions : 0
    guard dimensions > 0, original.count == count * dimensions else {
      throw TSNEError.shapeMismatch(values: original.count, points: count, dimensions: dimensions)
    }
    guard embedding.count == count * embeddingDimensions else {
      throw TSNEError.shapeMismatch(
        values: embedding.count, points: count, dimensions: embeddingDimensions)
    }
    guard k >= 1, 2 * k < count else {
      throw TSNEError.invalidOption(
        name: "neighbours",
        reason: "must be at least 1 and below half the points (\(count)), got \(k)")
    }
    if let bad = original.firstIndex(where: { !$0.isFinite }) {
      throw TSNEError.nonFiniteValue(point: bad / dimensions, dimension: bad % dimensions)
    }
    if let bad = embedding.firstIndex(where: { !$0.isFinite }) {
      throw TSNEError.nonFiniteValue(
        point: bad / embeddingDimensions, dimension: bad % embeddingDimensions)
    }
    let embedded = NearestNeighbours.exact(
      data: TSNE.centred(embedding, count: count, dimensions: embeddingDimensions), count: count,
      dimensions: embeddingDimensions, k: k)
    let input = TSNE.centred(original, count: count, dimensions: dimensions)
    var penalties = [Int](repeating: 0, count: count)
    input.withUnsafeBufferPointer { input in
      embedded.indices.withUnsafeBufferPointer { neighbours in
        penalties.withUnsafeMutableBufferPointer { penalties in
          let (out, near) = (penalties.baseAddress!, neighbours.baseAddress!)
          NearestNeighbours.forEachDistanceRow(
            data: input.baseAddress!, count: count, dimensions: dimensions
          ) { i, row in
            var penalty = 0
            for r in 0..<k {
              let rank = Self.rank(of: Int(near[i * k + r]), in: row, count: count, excluding: i)
              penalty += max(0, rank - k)
            }
            out[i] = penalty
          }
        }
      }
    }
    let total = Double(penalties.reduce(0, +))
    let n = Double(count)
    let kk = Double(k)
    return 1 - total * 2 / (n * kk * (2 * n - 3 * kk - 1))
  }

  /// 1 + the number of points other than `excluding` nearer than j (or as near, with a lower
  /// index).
  static func rank(
    of j: Int, in row: UnsafePointer<Float>, count: Int, excluding i: Int
  ) -> Int {
    typealias V = SIMD16<Float>
    let threshold = row[j]
    let t = V(repeating: threshold)
    var less = SIMD16<Int32>()
    var equal = SIMD16<Int32>()
    var l = 0
    while l + 16 <= count {
      let v = UnsafeRawPointer(row + l).loadUnaligned(as: V.self)
      less &+= SIMD16<Int32>(repeating: 0).replacing(with: 1, where: v .< t)
      equal &+= SIMD16<Int32>(repeating: 0).replacing(with: 1, where: v .== t)
      l += 16
    }
    var smaller = Int(less.wrappedSum())
    var ties = Int(equal.wrappedSum())
    while l < count {
      if row[l] < threshold { smaller += 1 } else if row[l] == threshold { ties += 1 }
      l += 1
    }
    if row[i] < threshold { smaller -= 1 }
    if ties > 1 || (ties == 1 && row[i] == threshold) {
      // Rare (duplicates): count the equal ones before j by index, except i and j.
      for m in 0..<j where m != i && row[m] == threshold { smaller += 1 }
    }
    return smaller + 1
  }
}
