/// The pointing game (Zhang et al., "Top-down neural attention by excitation backprop"), as
/// grounding papers score attention maps: a word's map hits when its largest weight lies on the
/// object the word names. On the scene world every object word knows its objects, so the game
/// needs no annotation: a patch hits when its centre lies in one of the objects' boxes, a
/// region when the detector found it on one of the objects.
public struct PointingGameScore: Sendable, Equatable {
  /// A map whose largest weight is shared by several tokens scores the share of them that hit
  /// (an all-zero map scores exactly the random rate, never a lucky first token).
  public var hits = 0.0
  public var trials = 0
  /// The expected hits of a map drawn at random: per trial, the share of tokens that would hit.
  public var randomExpectedHits = 0.0

  public init() {}

  public var accuracy: Double { trials == 0 ? 0 : hits / Double(trials) }
  public var randomAccuracy: Double { trials == 0 ? 0 : randomExpectedHits / Double(trials) }

  /// Scores the object words of `map`'s caption on the world pair it was taken from.
  public mutating func add(_ map: AttentionMap, pair: ScenePair) {
    for (index, word) in pair.caption.words.enumerated()
    where word.role == .object && !word.objects.isEmpty && index < map.wordMaps.count {
      let weights = map.wordMaps[index]
      let hitting = (0..<map.layout.tokenCount).map { token in
        Self.tokenHits(token, layout: map.layout, objects: word.objects, pair: pair)
      }
      guard let largest = weights.max(), !hitting.isEmpty, weights.count == hitting.count else {
        continue
      }
      let best = weights.indices.filter { weights[$0] == largest }
      trials += 1
      hits += Double(best.filter { hitting[$0] }.count) / Double(best.count)
      randomExpectedHits += Double(hitting.filter { $0 }.count) / Double(hitting.count)
    }
  }

  static func tokenHits(_ token: Int, layout: ImageTokenLayout, objects: [Int], pair: ScenePair)
    -> Bool
  {
    switch layout {
    case .patches(let columns, let rows):
      let x = (Float(token % columns) + 0.5) / Float(columns)
      let y = (Float(token / columns) + 0.5) / Float(rows)
      return objects.contains { object in
        let box = pair.scene.objects[object].box
        return x >= box.x1 && x <= box.x2 && y >= box.y1 && y <= box.y2
      }
    case .regions:
      guard token < pair.regions.count, let object = pair.regions[token].object else { return false }
      return objects.contains(object)
    }
  }
}

extension AttentionMapProbe {
  /// The pointing game over the object words of held-out pairs `indices` (scene world only).
  public func pointingGame(
    pairs indices: [Int], layer: Int? = nil, method: AttentionMethod, momentum: Bool = false
  ) throws -> PointingGameScore {
    guard let world = data.world else {
      throw TrainingError.invalidRequest("the pointing game needs the scene world's object boxes")
    }
    var score = PointingGameScore()
    for index in indices {
      let request = AttentionMapRequest(
        pairIndex: index, layer: layer, method: method, momentum: momentum)
      let map = try map(request)
      if let withheld = map.wordMapsWithheld { throw TrainingError.invalidRequest(withheld) }
      score.add(map, pair: world.pairs[index])
    }
    return score
  }
}
