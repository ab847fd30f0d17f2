import Tensor

/// UNIMO's text rewriting on the scene world's structured captions (docs/objectives.md, CMCL):
/// a paraphrase changes words but not meaning (another synonym of each object noun, another
/// phrasing of the relation: the sentence-level back-translation of UNIMO, done by synonyms);
/// a hard negative changes one fact (one colour, object or relation swapped for another from the
/// vocabulary: UNIMO's scene-graph rewriting at the attribute, object and relation level).
public enum CaptionRewriting {
  /// What a hard negative changed.
  public enum Swap: String, Sendable, CaseIterable {
    case colour, object, relation
  }

  /// noun or plural → (fine class, plural).
  static let nouns: [String: (fineClass: Int, plural: Bool)] = {
    var table: [String: (fineClass: Int, plural: Bool)] = [:]
    for (fineClass, info) in SceneTaxonomy.fineClasses.enumerated() {
      for noun in info.synonyms {
        table[noun] = (fineClass, false)
        table[SceneTaxonomy.plural(of: noun)] = (fineClass, true)
      }
    }
    return table
  }()

  /// The caption with every object noun and the relation phrase reworded; nil when no word has
  /// another wording.
  public static func paraphrase(_ caption: Caption, random: inout RandomGenerator) -> String? {
    var words = caption.words.map(\.text)
    var changed = false
    for (index, word) in caption.words.enumerated() where word.role == .object {
      guard let noun = nouns[word.text] else { continue }
      let others = SceneTaxonomy.fineClasses[noun.fineClass].synonyms.filter {
        $0 != word.text && SceneTaxonomy.plural(of: $0) != word.text
      }
      guard !others.isEmpty else { continue }
      let synonym = others[random.nextInt(below: others.count)]
      words[index] = noun.plural ? SceneTaxonomy.plural(of: synonym) : synonym
      changed = true
    }
    if let relation = caption.statedRelation?.relation, let span = relationSpan(caption) {
      let current = words[span].joined(separator: " ")
      let others = relation.phrases.filter { $0 != current }
      if !others.isEmpty {
        let phrase = others[random.nextInt(below: others.count)].split(separator: " ").map(
          String.init)
        words.replaceSubrange(span, with: phrase)
        changed = true
      }
    }
    return changed ? fixingArticles(words).joined(separator: " ") : nil
  }

  /// The caption with one colour, object or relation swapped for a different one (the kind
  /// drawn among those the caption has); nil when it has none.
  public static func hardNegative(_ caption: Caption, random: inout RandomGenerator) -> (
    text: String, swap: Swap
  )? {
    var words = caption.words.map(\.text)
    let colours = caption.words.indices.filter { caption.words[$0].role == .colour }
    let objects = caption.words.indices.filter {
      caption.words[$0].role == .object && nouns[caption.words[$0].text] != nil
    }
    let span = caption.statedRelation == nil ? nil : relationSpan(caption)
    var kinds: [Swap] = []
    if !colours.isEmpty { kinds.append(.colour) }
    if !objects.isEmpty { kinds.append(.object) }
    if span != nil { kinds.append(.relation) }
    guard !kinds.isEmpty else { return nil }
    let swap = kinds[random.nextInt(below: kinds.count)]
    switch swap {
    case .colour:
      let index = colours[random.nextInt(below: colours.count)]
      let others = SceneTaxonomy.colours.map(\.name).filter { $0 != words[index] }
      words[index] = others[random.nextInt(below: others.count)]
    case .object:
      let index = objects[random.nextInt(below: objects.count)]
      let noun = nouns[words[index]]!
      let fineClass =
        (noun.fineClass + 1 + random.nextInt(below: SceneTaxonomy.fineClassCount - 1))
        % SceneTaxonomy.fineClassCount
      let synonyms = SceneTaxonomy.fineClasses[fineClass].synonyms
      let synonym = synonyms[random.nextInt(below: synonyms.count)]
      words[index] = noun.plural ? SceneTaxonomy.plural(of: synonym) : synonym
    case .relation:
      let relation = caption.statedRelation!.relation
      let others = SpatialRelation.allCases.filter { $0 != relation }
      let other = others[random.nextInt(below: others.count)]
      let phrase = other.phrases[random.nextInt(below: other.phrases.count)]
      words.replaceSubrange(span!, with: phrase.split(separator: " ").map(String.init))
    }
    return (fixingArticles(words).joined(separator: " "), swap)
  }

  /// The contiguous words of the stated relation.
  static func relationSpan(_ caption: Caption) -> Range<Int>? {
    guard let first = caption.words.firstIndex(where: { $0.role == .relation }) else { return nil }
    var end = first
    while end < caption.words.count && caption.words[end].role == .relation { end += 1 }
    return first..<end
  }

  /// "a" / "an" agree with the word after them once a word has changed ("an oval" → "a box").
  static func fixingArticles(_ words: [String]) -> [String] {
    var result = words
    for index in result.indices.dropLast() where result[index] == "a" || result[index] == "an" {
      result[index] = CaptionGrammar.article(before: result[index + 1])
    }
    return result
  }
}
