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
  /// (regions, D): pooled features, the Faster R-CNN stand-in.
  public let regionFeatures: [Float]
  /// (regions, fine classes): the detector's class distributions, the soft labels of masked
  /// region classification.
  public let detectorDistributions: [Float]
  /// Seeds the pixel noise and background tint of the rendered image.
  let imageSeed: UInt64

  public var regionCount: Int { regions.count }

  /// (regions, 6): (x1, y1, x2, y2, w, h) of each detector box, normalized.
  public var regionBoxes: [Float] { regions.flatMap(\.box.geometry) }

  /// (regions, D + 6): features followed by box geometry, one row per region, as Oscar's
  /// feature TSV stores them.
  public var regionInputs: [Float] {
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
