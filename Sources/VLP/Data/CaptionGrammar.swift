import Tensor

/// A small grammar that describes a scene: counts, sizes, colours, nouns with synonyms, and a
/// spatial relation, e.g. "a small red circle left of a blue box". Each word carries its role so
/// that later objectives can rewrite captions from the scene graph.
public struct CaptionGrammar: Sendable {
  public enum NoiseKind: Sendable, CaseIterable {
    case wrongColour, absentObject
  }

  public var sizeMentionRate: Double
  public var relationMentionRate: Double

  public init(sizeMentionRate: Double = 0.5, relationMentionRate: Double = 0.6) {
    self.sizeMentionRate = sizeMentionRate
    self.relationMentionRate = relationMentionRate
  }

  public init(configuration: SceneWorldConfiguration) {
    self.init(
      sizeMentionRate: configuration.sizeMentionRate,
      relationMentionRate: configuration.relationMentionRate)
  }

  static let countWords = ["one", "two", "three", "four", "five", "six"]

  /// Objects of the same class and colour are mentioned together ("two red circles").
  private struct Mention {
    var objects: [Int]
    var fineClass: Int
    var colour: Int
    var size: ObjectSize?
  }

  /// Describes `scene`; with `noise`, one mention is corrupted as `CaptionNoise` records.
  public func caption(
    for scene: SceneGraph, noise: NoiseKind? = nil, rng: inout RandomGenerator
  ) -> Caption {
    var mentions: [Mention] = []
    for (index, object) in scene.objects.enumerated() {
      if let existing = mentions.firstIndex(where: {
        $0.fineClass == object.fineClass && $0.colour == object.colour
      }) {
        mentions[existing].objects.append(index)
        if mentions[existing].size != object.size { mentions[existing].size = nil }
      } else {
        mentions.append(
          Mention(
            objects: [index], fineClass: object.fineClass, colour: object.colour, size: object.size)
        )
      }
    }
    var recordedNoise = CaptionNoise.none
    switch noise {
    case .wrongColour? where !mentions.isEmpty:
      let target = rng.nextInt(below: mentions.count)
      let said =
        (mentions[target].colour + 1 + rng.nextInt(below: SceneTaxonomy.colours.count - 1))
        % SceneTaxonomy.colours.count
      mentions[target].colour = said
      recordedNoise = .wrongColour(object: mentions[target].objects[0], said: said)
    case .absentObject?:
      let present = Set(scene.objects.map(\.fineClass))
      let absent = (0..<SceneTaxonomy.fineClassCount).filter { !present.contains($0) }
      let fineClass = absent[rng.nextInt(below: absent.count)]
      let colour = rng.nextInt(below: SceneTaxonomy.colours.count)
      let size = ObjectSize(rawValue: rng.nextInt(below: ObjectSize.allCases.count))
      let position = rng.nextInt(below: mentions.count + 1)
      mentions.insert(
        Mention(objects: [], fineClass: fineClass, colour: colour, size: size), at: position)
      recordedNoise = .absentObject(fineClass: fineClass, colour: colour)
    default:
      break
    }

    // A relation needs two single, real objects.
    let single = mentions.indices.filter { mentions[$0].objects.count == 1 }
    var statedRelation: SceneRelation?
    var order = Array(mentions.indices)
    if single.count >= 2, rng.nextDouble() < relationMentionRate {
      let subject = mentions[single[0]].objects[0]
      let object = mentions[single[1]].objects[0]
      statedRelation = SceneRelation(
        subject: subject, relation: scene.relation(from: subject, to: object), object: object)
      order.removeAll { $0 == single[0] || $0 == single[1] }
      order.insert(contentsOf: [single[0], single[1]], at: 0)
    }

    var words: [CaptionWord] = []
    switch rng.nextInt(below: 5) {
    case 0:
      let plural = order.first.map { mentions[$0].objects.count > 1 } ?? false
      words += [CaptionWord("there", .function), CaptionWord(plural ? "are" : "is", .function)]
    case 1:
      words += [
        CaptionWord("a", .function), CaptionWord("picture", .function),
        CaptionWord("of", .function),
      ]
    default:
      break
    }
    for (position, mentionIndex) in order.enumerated() {
      if position == 1, let statedRelation {
        let phrases = statedRelation.relation.phrases
        let phrase = phrases[rng.nextInt(below: phrases.count)]
        words += phrase.split(separator: " ").map { CaptionWord(String($0), .relation) }
      } else if position > 0 {
        words.append(CaptionWord("and", .function))
      }
      words += describe(mentions[mentionIndex], &rng)
    }
    return Caption(words: words, statedRelation: statedRelation, noise: recordedNoise)
  }

  private func describe(_ mention: Mention, _ rng: inout RandomGenerator) -> [CaptionWord] {
    let objects = mention.objects
    let count = max(1, mention.objects.count)
    var words: [CaptionWord] = []
    if let size = mention.size, rng.nextDouble() < sizeMentionRate {
      words.append(CaptionWord(size.word, .size, objects: objects))
    }
    words.append(CaptionWord(SceneTaxonomy.colours[mention.colour].name, .colour, objects: objects))
    let synonyms = SceneTaxonomy.fineClasses[mention.fineClass].synonyms
    let noun = synonyms[rng.nextInt(below: synonyms.count)]
    words.append(
      CaptionWord(count > 1 ? SceneTaxonomy.plural(of: noun) : noun, .object, objects: objects))
    if count > 1 {
      words.insert(
        CaptionWord(CaptionGrammar.countWords[count - 1], .count, objects: objects), at: 0)
    } else {
      words.insert(CaptionWord(CaptionGrammar.article(before: words[0].text), .function), at: 0)
    }
    return words
  }

  static func article(before word: String) -> String {
    guard let first = word.first else { return "a" }
    return "aeiou".contains(first) || word.hasPrefix("hour") ? "an" : "a"
  }

  /// Every word a caption or a tag of the world can contain, sorted: the world's vocabulary
  /// does not depend on which pairs were drawn.
  public static let lexicon: [String] = {
    var words: Set<String> = ["there", "is", "are", "a", "an", "picture", "of", "and"]
    words.formUnion(countWords)
    words.formUnion(ObjectSize.allCases.map(\.word))
    words.formUnion(SceneTaxonomy.colours.map(\.name))
    for fineClass in SceneTaxonomy.fineClasses {
      words.formUnion(fineClass.synonyms)
      words.formUnion(fineClass.synonyms.map(SceneTaxonomy.plural(of:)))
    }
    for relation in SpatialRelation.allCases {
      for phrase in relation.phrases {
        words.formUnion(phrase.split(separator: " ").map(String.init))
      }
    }
    words.formUnion(SceneTaxonomy.categories)
    return words.sorted()
  }()
}
