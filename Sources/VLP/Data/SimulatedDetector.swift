import Tensor

/// What kind of box a detected region is.
public enum RegionKind: String, Sendable, Codable {
  /// A box on a real object (possibly with the wrong class or colour).
  case object
  /// A confident detection where there is no object: it produces a (wrong) tag.
  case falsePositive
  /// A box with a flat class distribution, below the tag threshold: no tag.
  case background
}

/// One region the simulated detector reports.
public struct DetectedRegion: Sendable, Equatable, Codable {
  public var kind: RegionKind
  /// The ground-truth object under the box (for `.object` regions).
  public var object: Int?
  /// The detector's box: the true box with jittered corners.
  public var box: BoundingBox
  /// The argmax of the class distribution: the hard label for masked region classification.
  public var detectedClass: Int
  /// The attribute head's colour: the fine tag's adjective.
  public var detectedColour: Int
  /// The probability of `detectedClass`.
  public var confidence: Float
}

/// A Faster R-CNN stand-in: for each object a class distribution over the fine classes whose
/// mass sits on the object's category (realistic confusions between siblings), with misses,
/// false positives and background boxes at configured rates.
struct SimulatedDetector: Sendable {
  /// Oscar/VinVL keep detections with confidence >= 0.2 as tags; background boxes stay below.
  static let tagConfidenceThreshold: Float = 0.2
  /// Confident detections are pushed to at least this probability, well above the threshold.
  static let minimumConfidence = 0.3

  let missRate: Double
  let falsePositiveRate: Double
  let classConfusionRate: Double
  let colourConfusionRate: Double
  let boxJitter: Float
  let maximumBackgroundRegions: Int

  init(configuration: SceneWorldConfiguration) {
    missRate = configuration.missRate
    falsePositiveRate = configuration.falsePositiveRate
    classConfusionRate = configuration.classConfusionRate
    colourConfusionRate = configuration.colourConfusionRate
    boxJitter = Float(configuration.boxJitter)
    maximumBackgroundRegions = configuration.maximumBackgroundRegions
  }

  struct Output {
    var regions: [DetectedRegion]
    /// (regions, D)
    var features: [Float]
    /// (regions, fine classes)
    var distributions: [Float]
  }

  /// Regions sorted by decreasing confidence, as a detector lists them.
  func detect(
    _ scene: SceneGraph, prototypes: RegionFeaturePrototypes, _ rng: inout RandomGenerator
  ) -> Output {
    var regions: [DetectedRegion] = []
    var features: [[Float]] = []
    var distributions: [[Float]] = []
    let classCount = SceneTaxonomy.fineClassCount
    for (index, object) in scene.objects.enumerated() {
      if rng.nextDouble() < missRate { continue }
      var detectedClass = object.fineClass
      if rng.nextDouble() < classConfusionRate {
        let siblings = SceneTaxonomy.classesByCategory[object.category].filter {
          $0 != object.fineClass
        }
        detectedClass = siblings[rng.nextInt(below: siblings.count)]
      }
      var detectedColour = object.colour
      if rng.nextDouble() < colourConfusionRate {
        let neighbours = SceneTaxonomy.confusableColours[object.colour]
        detectedColour = neighbours[rng.nextInt(below: neighbours.count)]
      }
      let distribution = confidentDistribution(
        detected: detectedClass, truth: object.fineClass, &rng)
      var feature: [Float] = []
      feature.reserveCapacity(prototypes.dimension)
      prototypes.appendObjectFeature(
        fineClass: object.fineClass, colour: object.colour, size: object.size, to: &feature, &rng)
      regions.append(
        DetectedRegion(
          kind: .object, object: index, box: jitter(object.box, &rng), detectedClass: detectedClass,
          detectedColour: detectedColour, confidence: distribution[detectedClass]))
      features.append(feature)
      distributions.append(distribution)
    }
    if rng.nextDouble() < falsePositiveRate {
      let fineClass = rng.nextInt(below: classCount)
      let colour = rng.nextInt(below: SceneTaxonomy.colours.count)
      let distribution = confidentDistribution(detected: fineClass, truth: fineClass, &rng)
      var feature: [Float] = []
      prototypes.appendBackgroundFeature(hint: fineClass, to: &feature, &rng)
      regions.append(
        DetectedRegion(
          kind: .falsePositive, object: nil, box: randomBox(&rng), detectedClass: fineClass,
          detectedColour: colour, confidence: distribution[fineClass]))
      features.append(feature)
      distributions.append(distribution)
    }
    for _ in 0..<rng.nextInt(below: maximumBackgroundRegions + 1) {
      let logits = (0..<classCount).map { _ in 0.3 * rng.nextNormal() }
      let distribution = ExactMath.softmax(logits)
      let detectedClass = distribution.indices.max { distribution[$0] < distribution[$1] }!
      var feature: [Float] = []
      prototypes.appendBackgroundFeature(hint: nil, to: &feature, &rng)
      regions.append(
        DetectedRegion(
          kind: .background, object: nil, box: randomBox(&rng), detectedClass: detectedClass,
          detectedColour: rng.nextInt(below: SceneTaxonomy.colours.count),
          confidence: distribution[detectedClass]))
      features.append(feature)
      distributions.append(distribution)
    }
    // Stable sort by decreasing confidence.
    let order = regions.indices.sorted {
      (-regions[$0].confidence, $0) < (-regions[$1].confidence, $1)
    }
    return Output(
      regions: order.map { regions[$0] }, features: order.flatMap { features[$0] },
      distributions: order.flatMap { distributions[$0] })
  }

  /// Logits: noise, +2 on the true class's category, +1 on the true class; the detected class is
  /// then lifted above every other by a random margin and to at least `minimumConfidence`.
  /// A confused detection therefore still gives the true class real mass: a useful soft label.
  func confidentDistribution(detected: Int, truth: Int, _ rng: inout RandomGenerator) -> [Float] {
    let category = SceneTaxonomy.fineClasses[truth].category
    var logits = SceneTaxonomy.fineClasses.map { info in
      0.5 * rng.nextNormal() + (info.category == category ? 2 : 0)
    }
    logits[truth] += 1
    var others = logits
    others[detected] = -.infinity
    logits[detected] = others.max()! + 1 + 2 * rng.nextDouble()
    let otherMass = others.reduce(0.0) { $0 + ExactMath.exp($1 - logits[detected]) }
    let confidence = 1 / (1 + otherMass)
    if confidence < SimulatedDetector.minimumConfidence {
      // p = 1 / (1 + m e^-shift) reaches the target for shift = log(m target / (1 - target)).
      let target = SimulatedDetector.minimumConfidence
      logits[detected] += DeterministicMath.log(otherMass * target / (1 - target))
    }
    return ExactMath.softmax(logits)
  }

  private func jitter(_ box: BoundingBox, _ rng: inout RandomGenerator) -> BoundingBox {
    func shifted(_ value: Float) -> Float { value + boxJitter * Float(rng.nextNormal()) }
    var jittered = BoundingBox(
      x1: shifted(box.x1), y1: shifted(box.y1), x2: shifted(box.x2), y2: shifted(box.y2))
    // A thin box (a small pole is 0.06 wide) can have its corners cross: keep a 0.02 sliver.
    if jittered.x2 - jittered.x1 < 0.02 {
      let center = (jittered.x1 + jittered.x2) / 2
      (jittered.x1, jittered.x2) = (center - 0.01, center + 0.01)
    }
    if jittered.y2 - jittered.y1 < 0.02 {
      let center = (jittered.y1 + jittered.y2) / 2
      (jittered.y1, jittered.y2) = (center - 0.01, center + 0.01)
    }
    return jittered.clamped
  }

  private func randomBox(_ rng: inout RandomGenerator) -> BoundingBox {
    let width = 0.15 + 0.35 * rng.nextFloat()
    let height = 0.15 + 0.35 * rng.nextFloat()
    let x1 = (1 - width) * rng.nextFloat()
    let y1 = (1 - height) * rng.nextFloat()
    return BoundingBox(x1: x1, y1: y1, x2: x1 + width, y2: y1 + height)
  }
}
