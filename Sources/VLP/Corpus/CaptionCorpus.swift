import Imaging
import Tensor

/// The images of a caption corpus, prepared at the model's size (the image cache): image
/// `index` as the model sees it, with a training crop when `augmentation` is given.
public protocol CorpusImages: Sendable {
  var count: Int { get }
  func image(_ index: Int, size: Int, augmentation: inout RandomGenerator?) throws -> SceneImage
}

/// Image-caption pairs read from COCO, Karpathy or JSON-list files: one pair per caption, so
/// an image with five captions is five pairs of one image (`imageKey`).
public final class CaptionCorpus: PretrainingCorpus {
  public let source: DataSource
  let captions: [String]
  /// The image of each pair, an index into `imagePaths`.
  let imageOfPair: [Int]
  /// Absolute paths of the distinct images, in first-mention order.
  public let imagePaths: [String]
  private let splitIndices: [DataSplit: [Int]]
  public let scoredTestIndices: [Int]
  let images: any CorpusImages

  init(source: DataSource, records: [CaptionRecord], imagePaths: [String], imageOfPair: [Int],
    images: any CorpusImages)
  {
    self.source = source
    captions = records.map(\.caption)
    self.imageOfPair = imageOfPair
    self.imagePaths = imagePaths
    var indices: [DataSplit: [Int]] = [:]
    for (pair, record) in records.enumerated() { indices[record.split, default: []].append(pair) }
    splitIndices = indices
    // Retrieval is one-to-one: the first caption of each test image.
    var seen = Set<Int>()
    scoredTestIndices = (indices[.test] ?? []).filter { seen.insert(imageOfPair[$0]).inserted }
    self.images = images
  }

  public var count: Int { captions.count }

  public func indices(of split: DataSplit) -> [Int] { splitIndices[split] ?? [] }

  public func caption(_ pair: Int) -> String { captions[pair] }

  /// Caption data sets have no detector, hence no tags.
  public func tagText(_ pair: Int, tags: TagVocabulary) -> String { "" }

  public func imageKey(_ pair: Int) -> Int { imageOfPair[pair] }

  public var features: CorpusFeatures { .pixels }

  public var regionFeatureDimension: Int { 0 }

  public func image(_ pair: Int, size: Int, augmentation: inout RandomGenerator?) throws
    -> SceneImage
  {
    try images.image(imageOfPair[pair], size: size, augmentation: &augmentation)
  }

  public func regions(_ pair: Int, distributions: Bool) throws -> CorpusRegions {
    CorpusRegions(count: 0, inputs: [], labels: [])
  }

  public var classNames: [String] { [] }

  /// The path of pair `pair`'s image file.
  public func imagePath(_ pair: Int) -> String { imagePaths[imageOfPair[pair]] }
}
