import Tensor

/// The three deterministic splits of a data set.
public enum DataSplit: String, Sendable, Codable, CaseIterable {
  case train
  case validation = "val"
  case test
}

/// One image-text pair of the scene world, with everything the objectives need: the caption
/// (with its structure and noise), the detector's regions (features, boxes, class
/// distributions), the tags in any vocabulary and the scene graph behind them all. The image is
/// rendered on demand by `SceneWorld.image(at:)`.
public struct ScenePair: Sendable {
  /// Position in the world; also the image id in exports.
  public let index: Int
  public let split: DataSplit
  public let scene: SceneGraph
  public let caption: Caption
  /// Detected regions in detector order (decreasing confidence).
  public let regions: [DetectedRegion]
  public let featureDimension: Int
  /// Regenerates the detector's features and distributions (see `regionFeatures`).
  let detection: PairDetection
  /// Seeds the pixel noise and background tint of the rendered image.
  let imageSeed: UInt64

  /// (regions, D): pooled features, the Faster R-CNN stand-in. Computed on each read from the
  /// pair's own detector stream (bit-identical every time): stored, the features and
  /// distributions of 20,000 pairs held about 40 MiB that patch-input models never read.
  /// Read it once per pair, not inside a loop over regions.
  public var regionFeatures: [Float] { detection.output(for: scene).features }

  /// (regions, fine classes): the detector's class distributions, the soft labels of masked
  /// region classification; computed on each read, as `regionFeatures`.
  public var detectorDistributions: [Float] { detection.output(for: scene).distributions }

  /// Both of the above from one run of the detector, for a reader that needs both.
  public var detectorOutput: (features: [Float], distributions: [Float]) {
    let output = detection.output(for: scene)
    return (output.features, output.distributions)
  }

  public var regionCount: Int { regions.count }

  /// (regions, 6): (x1, y1, x2, y2, w, h) of each detector box, normalized.
  public var regionBoxes: [Float] { regions.flatMap(\.box.geometry) }

  /// (regions, D + 6): features followed by box geometry, one row per region, as Oscar's
  /// feature TSV stores them.
  public var regionInputs: [Float] {
    let regionFeatures = regionFeatures
    var rows: [Float] = []
    rows.reserveCapacity(regions.count * (featureDimension + 6))
    for (index, region) in regions.enumerated() {
      rows += regionFeatures[index * featureDimension..<(index + 1) * featureDimension]
      rows += region.box.geometry
    }
    return rows
  }

  /// The detector's argmax per region: the hard labels of masked region classification.
  public var detectorLabels: [Int] { regions.map(\.detectedClass) }

  /// Tags in detector order, duplicates kept (as Oscar joins them), from the confident regions
  /// only; empty for `.none`.
  public func tags(_ vocabulary: TagVocabulary) -> [String] {
    regions.compactMap { region in
      region.confidence >= SimulatedDetector.tagConfidenceThreshold
        ? vocabulary.tag(fineClass: region.detectedClass, colour: region.detectedColour) : nil
    }
  }

  /// The tags as one text, the way Oscar feeds them to the tokenizer (text_b).
  public func tagText(_ vocabulary: TagVocabulary) -> String {
    tags(vocabulary).joined(separator: " ")
  }
}

/// What regenerates a pair's detector output: the shared detector and prototypes, and the
/// pair's detector stream as it stood before detection.
struct PairDetection: Sendable {
  let detector: SharedDetector
  let random: RandomGenerator

  func output(for scene: SceneGraph) -> SimulatedDetector.Output {
    var random = random
    return detector.detector.detect(scene, prototypes: detector.prototypes, &random)
  }
}

/// One detector and its prototypes, shared by every pair of a world.
final class SharedDetector: Sendable {
  let detector: SimulatedDetector
  let prototypes: RegionFeaturePrototypes

  init(detector: SimulatedDetector, prototypes: RegionFeaturePrototypes) {
    self.detector = detector
    self.prototypes = prototypes
  }
}
