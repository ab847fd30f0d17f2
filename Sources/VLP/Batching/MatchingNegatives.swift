/// How ITM draws each pair's negative from the batch (`objectives.itmNegatives`,
/// docs/objectives.md, "ITM"): ALBEF's hard negatives in proportion to softmax(sim / τ), uniform
/// random ones, or an even mixture of the two.
public enum NegativeSampling: String, Sendable, Equatable, CaseIterable, Codable {
  /// ALBEF: column j with probability softmax(sim[i] / τ)_j over the allowed columns.
  case hard
  /// Uniform over the allowed columns.
  case random
  /// ½ hard + ½ random: every allowed column keeps a floor of 1 / (2 · allowed).
  case mixed
}

/// One ITM negative as drawn: the pair's text with another row's image (`imageForText`) or its
/// image with another row's text; `probability` is the chance the draw had.
public struct MatchingNegative: Sendable, Equatable {
  /// Batch rows.
  public var text: Int
  public var image: Int
  public var imageForText: Bool
  public var probability: Double
}

/// The objects a world scene shows, as sorted (class, colour) codes: what its clean caption must
/// state (sizes and relations are stated only sometimes). Two scenes with equal contents are
/// described by each other's captions unless one states a size or relation, so an ITM
/// "negative" between them is mostly a false one.
public struct SceneContent: Sendable, Equatable, Hashable {
  public let codes: [Int]

  public init(_ scene: SceneGraph) {
    codes = scene.objects.map { $0.fineClass * SceneTaxonomy.colours.count + $0.colour }.sorted()
  }

  /// Objects in one scene and not the other, counted with multiplicity: 0 = the same content,
  /// 1 = one object more or fewer, 2 = one object of another class or colour, and so on.
  public func difference(from other: SceneContent) -> Int {
    var (a, b, shared) = (0, 0, 0)
    while a < codes.count && b < other.codes.count {
      if codes[a] == other.codes[b] {
        shared += 1
        a += 1
        b += 1
      } else if codes[a] < other.codes[b] {
        a += 1
      } else {
        b += 1
      }
    }
    return codes.count + other.codes.count - 2 * shared
  }
}

/// What the ITM negatives of one or more steps were like, on the scene world: how far each
/// drawn negative's scene is from its positive's, and how much probability the sampler would
/// have put on same-content rows had they not been excluded (`BatchDuplicates`) — the expected
/// number of false negatives per step without the exclusion.
public struct NegativeAudit: Sendable, Equatable {
  /// Negatives drawn.
  public var draws = 0
  /// Drawn negatives by scene difference from the positive: 0, 1, 2, 3 or more.
  public var differences = [0, 0, 0, 0]
  /// Σ over draws of the probability on same-content rows before their exclusion.
  public var sameContentMass = 0.0
  /// Draws whose row had at least one same-content row in the batch.
  public var rowsWithSameContent = 0

  public init() {}

  public static func += (total: inout NegativeAudit, step: NegativeAudit) {
    total.draws += step.draws
    for k in total.differences.indices { total.differences[k] += step.differences[k] }
    total.sameContentMass += step.sameContentMass
    total.rowsWithSameContent += step.rowsWithSameContent
  }

  /// e.g. "negatives: scene diff 0/1/2/3+ = 0.0/12.5/60.1/27.4%, same-content mass 3.1%, rows
  /// with a same-content row 4.2%".
  public var summary: String {
    let n = Double(max(draws, 1))
    let shares = differences.map { String(format: "%.1f", 100 * Double($0) / n) }
    return "negatives: scene difference 0/1/2/3+ = " + shares.joined(separator: "/") + "%, "
      + String(format: "same-content mass before exclusion %.1f%%, ", 100 * sameContentMass / n)
      + String(format: "rows with a same-content row %.1f%%", 100 * Double(rowsWithSameContent) / n)
  }
}

extension NegativeAudit {
  /// The audit of one step's `negatives`, drawn from `textToImage` / `imageToText` ((B, B), the
  /// sampler's similarities) under `sampling`; nil without scene contents (real data).
  init?(
    _ negatives: [MatchingNegative], textToImage: [Float], imageToText: [Float], batchSize b: Int,
    duplicates: BatchDuplicates, sampling: NegativeSampling
  ) {
    guard duplicates.sceneContents != nil else { return nil }
    self.init()
    // The sampler's rows under the rule without scene contents: where it would have drawn.
    let before = [textToImage, imageToText].map {
      ImageTextMatching.negativeWeights(
        similarity: $0, batchSize: b, excluded: duplicates.isSameImageOrCaption,
        sampling: sampling)
    }
    for negative in negatives {
      let (row, weights) =
        negative.imageForText ? (negative.text, before[0]) : (negative.image, before[1])
      draws += 1
      let difference = duplicates.sceneDifference(negative.text, negative.image) ?? 0
      differences[min(difference, 3)] += 1
      let same = (0..<b).filter { $0 != row && duplicates.isSameSceneContent(row, $0) }
      if !same.isEmpty { rowsWithSameContent += 1 }
      sameContentMass += same.reduce(0) { $0 + weights[row][$1] }
    }
  }
}
