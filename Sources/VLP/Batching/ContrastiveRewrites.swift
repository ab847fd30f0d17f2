import Tensor

/// The extra captions of one CMCL batch (UNIMO): for each image of the batch a paraphrase of
/// its caption (positive), the caption of another training scene with the same objects
/// (retrieved positive, UNIMO's X_T/X_I by object overlap) and a scene-graph rewrite of its
/// caption (hard negative). An image without one of these simply has fewer texts.
public struct ContrastiveRewrites: Sendable {
  /// `[CLS] text [SEP]` of every extra caption, padded alike.
  public var text: TextInputs
  /// The batch row each extra caption was made for.
  public var owners: [Int]
  /// Whether it is a positive of its owner (paraphrase, retrieved) or a hard negative.
  public var isPositive: [Bool]
  public var texts: [String]
}

/// Training scenes grouped by their objects (class and colour, as a multiset): the candidates
/// for retrieved positives.
struct SceneObjectIndex: Sendable {
  private let groups: [[Int]: [Int]]

  /// Empty: a corpus without scene graphs (CMCL is refused there).
  init() { groups = [:] }

  init(world: SceneWorld, indices: [Int]) {
    var groups: [[Int]: [Int]] = [:]
    for index in indices { groups[Self.key(world.pairs[index].scene), default: []].append(index) }
    self.groups = groups
  }

  static func key(_ scene: SceneGraph) -> [Int] {
    scene.objects.map { $0.fineClass * SceneTaxonomy.colours.count + $0.colour }.sorted()
  }

  /// Another scene with the same objects, or nil.
  func other(than index: Int, scene: SceneGraph, random: inout RandomGenerator) -> Int? {
    let candidates = (groups[Self.key(scene)] ?? []).filter { $0 != index }
    let pick = random.nextInt(below: max(1, candidates.count))
    return candidates.isEmpty ? nil : candidates[pick]
  }
}

extension PretrainingData {
  /// The rewrites of a batch; every draw comes from `random`.
  public func contrastiveRewrites(
    _ indices: [Int], random: inout RandomGenerator
  ) throws -> ContrastiveRewrites {
    var (texts, owners, positive) = ([String](), [Int](), [Bool]())
    func add(_ text: String?, _ owner: Int, _ isPositive: Bool) {
      guard let text else { return }
      texts.append(text)
      owners.append(owner)
      positive.append(isPositive)
    }
    for (row, index) in indices.enumerated() {
      let pair = world.pairs[index]
      add(CaptionRewriting.paraphrase(pair.caption, random: &random), row, true)
      let retrieved = sceneObjects.other(than: index, scene: pair.scene, random: &random)
      add(retrieved.map(captionText), row, true)
      add(CaptionRewriting.hardNegative(pair.caption, random: &random)?.text, row, false)
    }
    let sequences = texts.map {
      tokenizer.encodePair($0, maximumLength: model.maximumTextLength).ids
    }
    return ContrastiveRewrites(
      text: try TextInputs(sequences: sequences, padID: vocabulary.padID), owners: owners,
      isPositive: positive, texts: texts)
  }
}
