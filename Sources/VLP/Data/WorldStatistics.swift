/// Measured properties of a scene world, to compare with its configuration: what the tests
/// check and what `vlp data world` prints.
public struct WorldStatistics: Sendable {
  public var pairCount = 0
  public var objectCount = 0
  /// Per fine class, fraction of ground-truth objects.
  public var classFrequencies: [Double] = []
  /// Per colour, fraction of ground-truth objects.
  public var colourFrequencies: [Double] = []
  /// Index n: fraction of scenes with n objects.
  public var objectsPerScene: [Double] = []
  public var noisyCaptionFraction = 0.0
  public var wrongColourFraction = 0.0
  public var absentObjectFraction = 0.0
  /// Fraction of objects with no region.
  public var missFraction = 0.0
  /// False-positive regions per image.
  public var falsePositivesPerImage = 0.0
  public var backgroundRegionsPerImage = 0.0
  public var regionsPerImage = 0.0
  /// Fraction of object regions whose detected class is not the object's.
  public var classConfusionFraction = 0.0
  /// Of those confusions, the fraction that stay inside the object's coarse category.
  public var confusionWithinCategoryFraction = 0.0
  public var colourConfusionFraction = 0.0
  /// (fine classes x fine classes) counts: row = true class, column = detected class.
  public var confusionMatrix: [[Int]] = []
  /// Per vocabulary: tag -> occurrences; and mean tags per image.
  public var tagCounts: [TagVocabulary: [String: Int]] = [:]
  public var tagsPerImage: [TagVocabulary: Double] = [:]
  public var meanCaptionWords = 0.0

  public init(world: SceneWorld, split: DataSplit? = nil) {
    let pairs = split.map { world.pairs(in: $0) } ?? world.pairs
    let classCount = SceneTaxonomy.fineClassCount
    var classCounts = [Int](repeating: 0, count: classCount)
    var colourCounts = [Int](repeating: 0, count: SceneTaxonomy.colours.count)
    var sceneSizes = [Int](repeating: 0, count: 7)
    var noisy = 0
    var wrongColour = 0
    var absent = 0
    var misses = 0
    var falsePositives = 0
    var backgrounds = 0
    var regions = 0
    var objectRegions = 0
    var confused = 0
    var confusedWithin = 0
    var colourConfused = 0
    var words = 0
    var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    var tags: [TagVocabulary: [String: Int]] = [:]
    var tagTotals: [TagVocabulary: Int] = [:]
    for pair in pairs {
      let objects = pair.scene.objects
      sceneSizes[objects.count] += 1
      for object in objects {
        classCounts[object.fineClass] += 1
        colourCounts[object.colour] += 1
      }
      switch pair.caption.noise {
      case .none: break
      case .wrongColour: wrongColour += 1
      case .absentObject: absent += 1
      }
      if pair.caption.noise.isNoisy { noisy += 1 }
      words += pair.caption.words.count
      var detected = 0
      regions += pair.regionCount
      for region in pair.regions {
        switch region.kind {
        case .falsePositive: falsePositives += 1
        case .background: backgrounds += 1
        case .object:
          detected += 1
          objectRegions += 1
          let object = objects[region.object!]
          matrix[object.fineClass][region.detectedClass] += 1
          if region.detectedClass != object.fineClass {
            confused += 1
            if SceneTaxonomy.fineClasses[region.detectedClass].category == object.category {
              confusedWithin += 1
            }
          }
          if region.detectedColour != object.colour { colourConfused += 1 }
        }
      }
      misses += objects.count - detected
      for vocabulary in TagVocabulary.allCases {
        let pairTags = pair.tags(vocabulary)
        tagTotals[vocabulary, default: 0] += pairTags.count
        for tag in pairTags { tags[vocabulary, default: [:]][tag, default: 0] += 1 }
      }
    }
    let objectTotal = max(1, classCounts.reduce(0, +))
    let pairTotal = Double(max(1, pairs.count))
    pairCount = pairs.count
    objectCount = classCounts.reduce(0, +)
    classFrequencies = classCounts.map { Double($0) / Double(objectTotal) }
    colourFrequencies = colourCounts.map { Double($0) / Double(objectTotal) }
    objectsPerScene = sceneSizes.map { Double($0) / pairTotal }
    noisyCaptionFraction = Double(noisy) / pairTotal
    wrongColourFraction = Double(wrongColour) / pairTotal
    absentObjectFraction = Double(absent) / pairTotal
    missFraction = Double(misses) / Double(objectTotal)
    falsePositivesPerImage = Double(falsePositives) / pairTotal
    backgroundRegionsPerImage = Double(backgrounds) / pairTotal
    regionsPerImage = Double(regions) / pairTotal
    classConfusionFraction = Double(confused) / Double(max(1, objectRegions))
    confusionWithinCategoryFraction = Double(confusedWithin) / Double(max(1, confused))
    colourConfusionFraction = Double(colourConfused) / Double(max(1, objectRegions))
    confusionMatrix = matrix
    tagCounts = tags
    tagsPerImage = tagTotals.mapValues { Double($0) / pairTotal }
    meanCaptionWords = Double(words) / pairTotal
  }
}
