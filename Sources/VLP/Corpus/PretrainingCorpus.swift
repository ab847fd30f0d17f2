import Tensor

/// What `PretrainingData` reads from a data set, whatever its source: the splits, each pair's
/// caption and tags, and its image inputs (pixels, or detector regions). The scene world and
/// the real formats (COCO, Karpathy, JSON lists, Oscar TSV) each conform; a pair is an index in
/// `0..<count`.
public protocol PretrainingCorpus: Sendable {
  /// How messages name the data: `scene world`, `coco`, ...
  var source: DataSource { get }
  var count: Int { get }
  /// Indices of the pairs in `split`, in increasing order.
  func indices(of split: DataSplit) -> [Int]
  /// The test pairs evaluation scores: the world's correctly captioned ones; one pair per test
  /// image for real data (so that retrieval is one-to-one).
  var scoredTestIndices: [Int] { get }
  func caption(_ pair: Int) -> String
  /// Object tags as one text (Oscar's text_b); empty when the source has none.
  func tagText(_ pair: Int, tags: TagVocabulary) -> String
  /// The pair's image as a key: pairs of one image (COCO's five captions) share it.
  func imageKey(_ pair: Int) -> Int
  /// What image inputs the source holds.
  var features: CorpusFeatures { get }
  /// D of the region features (without the 6 numbers of box geometry); 0 without regions.
  var regionFeatureDimension: Int { get }
  /// The pair's image, `size` x `size` RGB in [0, 1]; `augmentation` draws a training crop.
  func image(_ pair: Int, size: Int, augmentation: inout RandomGenerator?) throws -> SceneImage
  /// The pair's detector regions; `distributions` only when asked (the world computes them).
  func regions(_ pair: Int, distributions: Bool) throws -> CorpusRegions
  /// Names of the region classes (`CorpusRegions.labels` index them).
  var classNames: [String] { get }
}

/// The kinds of image input a corpus has; objectives that need a missing one are refused at load.
public struct CorpusFeatures: OptionSet, Sendable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }

  public static let pixels = CorpusFeatures(rawValue: 1)
  public static let regions = CorpusFeatures(rawValue: 2)
  /// A class per region (the detector's argmax, or a label file's class).
  public static let regionLabels = CorpusFeatures(rawValue: 4)
  /// The detector's class distribution per region (soft labels).
  public static let detectorDistributions = CorpusFeatures(rawValue: 8)
  /// Scene graphs behind the captions: paraphrases, rewrites, object-level probes.
  public static let sceneGraphs = CorpusFeatures(rawValue: 16)
}

/// One image's regions in detector order.
public struct CorpusRegions: Sendable {
  public var count: Int
  /// (count, D + 6): the feature followed by the box geometry (x1, y1, x2, y2, w, h).
  public var inputs: [Float]
  /// (count) a class index into `classNames`, or -1 where the region has none.
  public var labels: [Int]
  /// (count, classes) when asked for and the source has them.
  public var distributions: [Float]?

  public init(count: Int, inputs: [Float], labels: [Int], distributions: [Float]? = nil) {
    (self.count, self.inputs, self.labels, self.distributions) = (count, inputs, labels, distributions)
  }
}
