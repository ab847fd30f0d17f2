import Tensor

/// Draws the ground-truth scene of one pair: how many objects, their classes (Zipf over the
/// taxonomy), colours, sizes and non-overlapping positions.
struct SceneSampler: Sendable {
  let minimumObjects: Int
  let maximumObjects: Int
  /// Cumulative class probabilities, last entry 1.
  let classCumulative: [Double]

  /// Objects may overlap by at most this fraction of the smaller box, so that each stays
  /// visible and every relation is meaningful.
  static let maximumOverlap: Float = 0.1
  /// Placement attempts per size before the object is shrunk one size (and, after the
  /// smallest, dropped: a crowded scene ends up with fewer objects).
  static let attemptsPerSize = 20

  init(configuration: SceneWorldConfiguration) {
    minimumObjects = configuration.minimumObjects
    maximumObjects = configuration.maximumObjects
    classCumulative = SceneSampler.cumulative(
      SceneSampler.classProbabilities(exponent: configuration.classFrequencyExponent))
  }

  /// P(class k) proportional to 1 / (k + 1)^exponent.
  static func classProbabilities(exponent: Double) -> [Double] {
    let weights = (0..<SceneTaxonomy.fineClassCount).map {
      ExactMath.pow(Double($0 + 1), -exponent)
    }
    let total = weights.reduce(0, +)
    return weights.map { $0 / total }
  }

  static func cumulative(_ probabilities: [Double]) -> [Double] {
    var running = 0.0
    var result = probabilities.map { probability -> Double in
      running += probability
      return running
    }
    result[result.count - 1] = 1
    return result
  }

  func sampleClass(_ rng: inout RandomGenerator) -> Int {
    let u = rng.nextDouble()
    return classCumulative.firstIndex { u < $0 } ?? classCumulative.count - 1
  }

  func sample(_ rng: inout RandomGenerator) -> SceneGraph {
    let count = minimumObjects + rng.nextInt(below: maximumObjects - minimumObjects + 1)
    var objects: [SceneObject] = []
    objects.reserveCapacity(count)
    for _ in 0..<count {
      let fineClass = sampleClass(&rng)
      let colour = rng.nextInt(below: SceneTaxonomy.colours.count)
      var size = ObjectSize(rawValue: rng.nextInt(below: ObjectSize.allCases.count))!
      var placed: BoundingBox?
      while placed == nil {
        placed = place(fineClass: fineClass, size: size, among: objects, &rng)
        guard placed == nil, let smaller = ObjectSize(rawValue: size.rawValue - 1) else { break }
        size = smaller
      }
      if let placed {
        objects.append(SceneObject(fineClass: fineClass, colour: colour, size: size, box: placed))
      }
    }
    return SceneGraph(objects: objects)
  }

  private func place(
    fineClass: Int, size: ObjectSize, among objects: [SceneObject], _ rng: inout RandomGenerator
  ) -> BoundingBox? {
    let aspect = SceneTaxonomy.fineClasses[fineClass].aspectRatio
    for _ in 0..<SceneSampler.attemptsPerSize {
      let range = size.sideRange
      let side = range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextFloat()
      let width = aspect >= 1 ? side : side * aspect
      let height = aspect >= 1 ? side / aspect : side
      let x1 = (1 - width) * rng.nextFloat()
      let y1 = (1 - height) * rng.nextFloat()
      let box = BoundingBox(x1: x1, y1: y1, x2: x1 + width, y2: y1 + height)
      let fits = objects.allSatisfy {
        box.intersectionArea(with: $0.box) <= SceneSampler.maximumOverlap
          * min(box.area, $0.box.area)
      }
      if fits { return box }
    }
    return nil
  }
}
