/// Which attention a map shows.
public enum AttentionMethod: String, Sendable, CaseIterable, Codable {
  /// ALBEF's Grad-CAM on a fusion cross-attention layer (docs/objectives.md, "Where the model
  /// looks"): mean over heads of P ⊙ max(0, dS/dP), S the ITM "match" logit.
  case gradCAM = "gradcam"
  /// The attention probabilities themselves, averaged over heads (no gradient).
  case raw
}

/// What the map is laid over: a grid of patches (row-major, `columns` x `rows`) or the
/// detector's boxes (x1, y1, x2, y2 in 0...1 of the image), one per region token.
public enum ImageTokenLayout: Sendable, Equatable {
  case patches(columns: Int, rows: Int)
  case regions([BoundingBox])

  public var tokenCount: Int {
    switch self {
    case .patches(let columns, let rows): columns * rows
    case .regions(let boxes): boxes.count
    }
  }
}

/// What a probe asks for: the pair, the layer (nil: the default layer of the family), the
/// method, and the student or the momentum model.
public struct AttentionMapRequest: Sendable, Equatable {
  public var pairIndex: Int
  public var layer: Int?
  public var method: AttentionMethod
  public var momentum: Bool

  public init(pairIndex: Int, layer: Int? = nil, method: AttentionMethod = .gradCAM, momentum: Bool = false) {
    (self.pairIndex, self.layer, self.method, self.momentum) = (pairIndex, layer, method, momentum)
  }
}

/// Where the model looks from each caption word: a weight per image token (patch or region),
/// and for Oscar also per tag token. Weights are as computed (attention probabilities or
/// Grad-CAM values, not normalised); `wordMaps[w]` is word w's row, averaged over its tokens
/// where a word is split into pieces.
public struct AttentionMap: Sendable, Equatable {
  public var pairIndex: Int
  public var method: AttentionMethod
  /// 0-based, of `layerCount` (ALBEF: fusion layers; Oscar: encoder layers).
  public var layer: Int
  public var layerCount: Int
  public var momentum: Bool
  public var words: [String]
  /// (words, image tokens).
  public var wordMaps: [[Float]]
  public var layout: ImageTokenLayout
  /// Oscar's tag tokens, and each word's attention to them (words, tags); empty for ALBEF.
  public var tags: [String] = []
  public var wordTagWeights: [[Float]] = []
  /// What the map shows that a reader must know (Grad-CAM in the last fusion layer).
  public var note: String? = nil
  /// Why there are no per-word maps here, to say instead of drawing a blank map: Grad-CAM in
  /// the last fusion layer, where only [CLS]'s row reaches the ITM head (`wordMaps` are 0).
  public var wordMapsWithheld: String? = nil
  /// The whole caption's map where it is not the mean of the words' maps: [CLS]'s row, in the
  /// last fusion layer's Grad-CAM.
  public var captionMap: [Float]? = nil

  /// Word `word`'s map, or with nil the whole caption's (`captionMap`, or the mean of the words'
  /// maps).
  public func imageWeights(word: Int?) -> [Float] {
    if let word { return wordMaps[safe: word] ?? [] }
    return captionMap ?? Self.mean(wordMaps, count: layout.tokenCount)
  }

  /// Word `word`'s attention to the tags, or the whole caption's.
  public func tagWeights(word: Int?) -> [Float] {
    if let word { return wordTagWeights[safe: word] ?? [] }
    return Self.mean(wordTagWeights, count: tags.count)
  }

  static func mean(_ rows: [[Float]], count: Int) -> [Float] {
    guard !rows.isEmpty else { return [Float](repeating: 0, count: count) }
    var sum = [Float](repeating: 0, count: count)
    for row in rows { for (index, value) in row.prefix(count).enumerated() { sum[index] += value } }
    return sum.map { $0 / Float(rows.count) }
  }
}

extension Array {
  fileprivate subscript(safe index: Int) -> Element? {
    indices.contains(index) ? self[index] : nil
  }
}
