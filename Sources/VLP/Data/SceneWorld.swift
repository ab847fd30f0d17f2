import Dispatch
import Synchronization
import Tensor

/// The built-in data set: a seeded, procedural world of image-text pairs. Each pair depends
/// only on the world seed and its index (its own generator), so pairs are generated in
/// parallel and any pair can be regenerated alone; images are rendered on demand.
public final class SceneWorld: Sendable {
  public let configuration: SceneWorldConfiguration
  public let prototypes: RegionFeaturePrototypes
  public let grammar: CaptionGrammar
  public let pairs: [ScenePair]
  private let splitIndices: [DataSplit: [Int]]

  /// Independent random streams derived from the world seed.
  enum Stream: UInt64 {
    case prototypes = 1
    case splits, pairs, paraphrases
  }

  public init(configuration: SceneWorldConfiguration = .standard) throws {
    try configuration.validate()
    self.configuration = configuration
    var prototypeRNG = RandomGenerator(
      seed: ExactMath.mixSeed(configuration.seed, stream: Stream.prototypes.rawValue, index: 0))
    prototypes = RegionFeaturePrototypes(
      dimension: configuration.featureDimension, noise: configuration.featureNoise,
      rng: &prototypeRNG)
    grammar = CaptionGrammar(configuration: configuration)

    let count = configuration.pairCount
    var splitRNG = RandomGenerator(
      seed: ExactMath.mixSeed(configuration.seed, stream: Stream.splits.rawValue, index: 0))
    var order = Array(0..<count)
    splitRNG.shuffle(&order)
    let (validationCount, testCount) = configuration.splitSizes
    var splitOf = [DataSplit](repeating: .train, count: count)
    for position in 0..<validationCount { splitOf[order[position]] = .validation }
    for position in validationCount..<(validationCount + testCount) {
      splitOf[order[position]] = .test
    }
    var indices: [DataSplit: [Int]] = [:]
    for split in DataSplit.allCases { indices[split] = (0..<count).filter { splitOf[$0] == split } }
    splitIndices = indices

    pairs = SceneWorld.generate(
      count: count, configuration: configuration, prototypes: prototypes, grammar: grammar,
      splits: splitOf)
  }

  /// Pairs are generated in chunks on all cores; each chunk writes only its own slots.
  private static func generate(
    count: Int, configuration: SceneWorldConfiguration, prototypes: RegionFeaturePrototypes,
    grammar: CaptionGrammar, splits: [DataSplit]
  ) -> [ScenePair] {
    let sampler = SceneSampler(configuration: configuration)
    let detector = SharedDetector(
      detector: SimulatedDetector(configuration: configuration), prototypes: prototypes)
    let chunkSize = 512
    let chunkCount = (count + chunkSize - 1) / chunkSize
    let chunks = ChunkResults<ScenePair>(count: chunkCount)
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
      let range = (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize)
      chunks.store(
        range.map { index in
          makePair(
            index: index, split: splits[index], configuration: configuration, sampler: sampler,
            detector: detector, grammar: grammar)
        }, at: chunk)
    }
    return chunks.joined()
  }

  static func makePair(
    index: Int, split: DataSplit, configuration: SceneWorldConfiguration, sampler: SceneSampler,
    detector: SharedDetector, grammar: CaptionGrammar
  ) -> ScenePair {
    var rng = RandomGenerator(
      seed: ExactMath.mixSeed(configuration.seed, stream: Stream.pairs.rawValue, index: index))
    // One forked stream per stage, so that changing one stage leaves the others' draws alone.
    var sceneRNG = rng.fork()
    var captionRNG = rng.fork()
    var detectorRNG = rng.fork()
    let imageSeed = rng.next()

    let scene = sampler.sample(&sceneRNG)
    var noise: CaptionGrammar.NoiseKind?
    if captionRNG.nextDouble() < configuration.noisyCaptionRate {
      noise =
        CaptionGrammar.NoiseKind.allCases[
          captionRNG.nextInt(below: CaptionGrammar.NoiseKind.allCases.count)]
    }
    var caption = grammar.caption(for: scene, noise: noise, rng: &captionRNG)
    // Appending left the word array with up to twice its length in capacity; the world keeps
    // 20,000 captions, so it keeps an exact copy (map allocates exactly).
    caption.words = caption.words.map { $0 }
    // The regions are kept; features and distributions are regenerated from this stream when
    // read (ScenePair.regionFeatures).
    let detection = PairDetection(detector: detector, random: detectorRNG)
    return ScenePair(
      index: index, split: split, scene: scene, caption: caption,
      regions: detection.output(for: scene).regions,
      featureDimension: configuration.featureDimension, detection: detection,
      imageSeed: imageSeed)
  }

  public var count: Int { pairs.count }

  /// Indices of the pairs in `split`, in increasing order.
  public func indices(of split: DataSplit) -> [Int] { splitIndices[split] ?? [] }

  public func pairs(in split: DataSplit) -> [ScenePair] { indices(of: split).map { pairs[$0] } }

  /// The rendered image of pair `index` at the configured size (or another `size`): the same
  /// pixels every time for the same world.
  public func image(at index: Int, size: Int? = nil) -> SceneImage {
    let pair = pairs[index]
    return SceneRenderer.render(
      pair.scene, size: size ?? configuration.imageSize, pixelNoise: configuration.pixelNoise,
      seed: pair.imageSeed)
  }

  /// Another noise-free description of pair `index`'s scene (new synonyms, template and
  /// relation wording): a paraphrase positive. `variant` picks which one, deterministically.
  public func paraphrase(of index: Int, variant: Int) -> Caption {
    let pairSeed = ExactMath.mixSeed(
      configuration.seed, stream: Stream.paraphrases.rawValue, index: index)
    var rng = RandomGenerator(
      seed: ExactMath.mixSeed(pairSeed, stream: Stream.paraphrases.rawValue, index: variant))
    return grammar.caption(for: pairs[index].scene, noise: nil, rng: &rng)
  }

  /// The word-level vocabulary of every caption and tag the world can produce.
  public func vocabulary() -> Vocabulary {
    Vocabulary(words: CaptionGrammar.lexicon)
  }
}

/// Per-chunk result slots filled from `concurrentPerform`; each slot is written once by one
/// worker (the mutex is held only to swap an array in).
final class ChunkResults<Element: Sendable>: Sendable {
  private let slots: Mutex<[[Element]]>

  init(count: Int) {
    slots = Mutex(Array(repeating: [], count: count))
  }

  func store(_ elements: [Element], at chunk: Int) {
    slots.withLock { $0[chunk] = elements }
  }

  /// One exact allocation (flatMap grows by doubling: up to twice the world's pair array).
  func joined() -> [Element] {
    slots.withLock { slots in
      var elements: [Element] = []
      elements.reserveCapacity(slots.reduce(0) { $0 + $1.count })
      for slot in slots { elements += slot }
      return elements
    }
  }
}
