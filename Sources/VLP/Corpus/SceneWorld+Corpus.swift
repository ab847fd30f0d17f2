import Tensor

/// The scene world as a corpus: every value is what the world's own accessors give, so training
/// on it is bit-identical to reading the world directly.
extension SceneWorld: PretrainingCorpus {
  public var source: DataSource { .world }

  public var scoredTestIndices: [Int] {
    indices(of: .test).filter { !pairs[$0].caption.noise.isNoisy }
  }

  public func caption(_ pair: Int) -> String { pairs[pair].caption.text }

  public func tagText(_ pair: Int, tags: TagVocabulary) -> String { pairs[pair].tagText(tags) }

  public func imageKey(_ pair: Int) -> Int { pair }

  public var features: CorpusFeatures {
    [.pixels, .regions, .regionLabels, .detectorDistributions, .sceneGraphs]
  }

  public var regionFeatureDimension: Int { configuration.featureDimension }

  /// The world's images are rendered, never augmented.
  public func image(_ pair: Int, size: Int, augmentation: inout RandomGenerator?) throws
    -> SceneImage
  {
    image(at: pair, size: size)
  }

  public func regions(_ pair: Int, distributions: Bool) throws -> CorpusRegions {
    let scenePair = pairs[pair]
    guard distributions else {
      return CorpusRegions(
        count: scenePair.regionCount, inputs: scenePair.regionInputs,
        labels: scenePair.detectorLabels)
    }
    // One detector run for both (ScenePair.detectorOutput).
    let (features, distributions) = scenePair.detectorOutput
    let dimension = configuration.featureDimension
    var rows: [Float] = []
    rows.reserveCapacity(scenePair.regionCount * (dimension + 6))
    for (index, region) in scenePair.regions.enumerated() {
      rows += features[index * dimension..<(index + 1) * dimension]
      rows += region.box.geometry
    }
    return CorpusRegions(
      count: scenePair.regionCount, inputs: rows, labels: scenePair.detectorLabels,
      distributions: distributions)
  }

  public var classNames: [String] { SceneTaxonomy.fineClasses.map(\.name) }
}
