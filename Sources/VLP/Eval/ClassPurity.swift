import Foundation

/// k-nearest-neighbour class purity of labelled region (or patch) and word features: how much
/// same-class features lie together, the measurable form of Oscar's Fig. 4 (with tags, a class's
/// region and word features cluster together). Neighbours by cosine similarity, the feature
/// itself excluded; ties go to the lower index.
public struct ClassPurity: Sendable, Equatable, Codable {
  /// k.
  public var neighbours: Int
  /// Mean over image-side features of the same-class share of their k nearest neighbours in the
  /// pooled set (image and word features together).
  public var region: Float
  /// The same over word features.
  public var word: Float
  /// Mean over every feature of the same-class share of its k nearest features of the other
  /// modality only (word → regions, region → words): whether a class's words and regions meet.
  public var crossModal: Float
  /// What random neighbours would give in the pooled set: the mean over features of
  /// (features of its class − 1) / (features − 1).
  public var chance: Float
  public var regionCount: Int
  public var wordCount: Int

  /// `features` is (labels, dimension) row-major; `classes[i]` and `isImage[i]` label row i.
  /// A modality without features scores 0.
  public static func compute(
    features: [Float], dimension: Int, classes: [Int], isImage: [Bool], neighbours k: Int
  ) -> ClassPurity {
    let n = classes.count
    precondition(features.count == n * dimension && isImage.count == n && k > 0)
    let unit = normalizedRows(features, dimension: dimension)
    var similarity = [Float](repeating: 0, count: n * n)  // (n, n)
    for i in 0..<n {
      for j in i..<n {
        var dot: Float = 0
        for d in 0..<dimension { dot += unit[i * dimension + d] * unit[j * dimension + d] }
        similarity[i * n + j] = dot
        similarity[j * n + i] = dot
      }
    }
    /// Same-class share of row i's k nearest among the candidates `allowed` (self excluded).
    func share(_ i: Int, _ allowed: (Int) -> Bool) -> Float? {
      // The k best by one pass with insertion, O(n·k): scanning in index order and inserting
      // only above strictly lower similarities keeps the lower index first among ties.
      var nearest: [Int] = []
      nearest.reserveCapacity(k + 1)
      for j in 0..<n where j != i && allowed(j) {
        let value = similarity[i * n + j]
        if nearest.count == k, value <= similarity[i * n + nearest[k - 1]] { continue }
        var position = nearest.count
        while position > 0, similarity[i * n + nearest[position - 1]] < value { position -= 1 }
        nearest.insert(j, at: position)
        if nearest.count > k { nearest.removeLast() }
      }
      guard !nearest.isEmpty else { return nil }
      return Float(nearest.filter { classes[$0] == classes[i] }.count) / Float(nearest.count)
    }
    func mean(_ values: [Float]) -> Float {
      values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
    }
    let pooled = (0..<n).map { share($0) { _ in true } }
    let cross = (0..<n).compactMap { i in share(i) { isImage[$0] != isImage[i] } }
    var classCounts: [Int: Int] = [:]
    for c in classes { classCounts[c, default: 0] += 1 }
    let chance = n > 1 ? mean(classes.map { Float(classCounts[$0]! - 1) / Float(n - 1) }) : 0
    return ClassPurity(
      neighbours: k,
      region: mean((0..<n).filter { isImage[$0] }.compactMap { pooled[$0] }),
      word: mean((0..<n).filter { !isImage[$0] }.compactMap { pooled[$0] }),
      crossModal: mean(cross), chance: chance,
      regionCount: isImage.filter { $0 }.count, wordCount: isImage.filter { !$0 }.count)
  }

  /// The purity of a probe's token features (regions or patches and object words).
  public static func compute(_ set: TokenFeatureSet, neighbours k: Int) -> ClassPurity {
    compute(
      features: set.values, dimension: set.dimension, classes: set.labels.map(\.fineClass),
      isImage: set.labels.map { $0.modality == .image }, neighbours: k)
  }

  /// Rows scaled to unit length (a zero row stays zero).
  static func normalizedRows(_ values: [Float], dimension: Int) -> [Float] {
    var result = values
    for start in stride(from: 0, to: values.count, by: dimension) {
      var norm: Float = 0
      for d in 0..<dimension { norm += values[start + d] * values[start + d] }
      let scale = norm > 0 ? 1 / norm.squareRoot() : 0
      for d in 0..<dimension { result[start + d] = values[start + d] * scale }
    }
    return result
  }

  /// Every number by name, for tables and logs.
  public var metrics: [NamedValue] {
    [
      NamedValue("purity_region", region), NamedValue("purity_word", word),
      NamedValue("purity_cross", crossModal), NamedValue("purity_chance", chance),
    ]
  }
}
