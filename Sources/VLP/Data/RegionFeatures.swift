import Tensor

/// The prototypes behind region features, standing in for a Faster R-CNN's pooled features:
/// a region's feature is its class prototype plus its colour and size prototypes plus noise.
/// A class prototype is its category's prototype plus a smaller class offset, so siblings
/// (circle and oval) have similar features, as similar objects do in a real detector.
public struct RegionFeaturePrototypes: Sendable {
  public let dimension: Int
  /// (fine classes, D), row-major.
  public let classPrototypes: [Float]
  /// (colours, D).
  public let colourPrototypes: [Float]
  /// (sizes, D).
  public let sizePrototypes: [Float]
  /// (D): what a box on empty background looks like.
  public let backgroundPrototype: [Float]
  public let noise: Float

  static let classOffsetScale = 0.7
  static let colourScale = 0.6
  static let sizeScale = 0.3

  public init(dimension: Int, noise: Double, rng: inout RandomGenerator) {
    func normals(_ count: Int, _ scale: Double) -> [Float] {
      (0..<count).map { _ in Float(scale * rng.nextNormal()) }
    }
    self.dimension = dimension
    self.noise = Float(noise)
    let categories = normals(SceneTaxonomy.categoryCount * dimension, 1)
    var classes = normals(
      SceneTaxonomy.fineClassCount * dimension, RegionFeaturePrototypes.classOffsetScale)
    for (fineClass, info) in SceneTaxonomy.fineClasses.enumerated() {
      for d in 0..<dimension {
        classes[fineClass * dimension + d] += categories[info.category * dimension + d]
      }
    }
    classPrototypes = classes
    colourPrototypes = normals(
      SceneTaxonomy.colours.count * dimension, RegionFeaturePrototypes.colourScale)
    sizePrototypes = normals(
      ObjectSize.allCases.count * dimension, RegionFeaturePrototypes.sizeScale)
    backgroundPrototype = normals(dimension, 1)
  }

  /// Appends the feature of a region showing an object of this class, colour and size.
  func appendObjectFeature(
    fineClass: Int, colour: Int, size: ObjectSize, to features: inout [Float],
    _ rng: inout RandomGenerator
  ) {
    let c = fineClass * dimension
    let k = colour * dimension
    let s = size.rawValue * dimension
    for d in 0..<dimension {
      let mean = classPrototypes[c + d] + colourPrototypes[k + d] + sizePrototypes[s + d]
      features.append(mean + noise * Float(rng.nextNormal()))
    }
  }

  /// Appends the feature of a background box; `hint` mixes in half of a class prototype for a
  /// false positive (background that looks a little like the class the detector reports).
  func appendBackgroundFeature(
    hint fineClass: Int?, to features: inout [Float], _ rng: inout RandomGenerator
  ) {
    for d in 0..<dimension {
      var mean = backgroundPrototype[d]
      if let fineClass { mean += 0.5 * classPrototypes[fineClass * dimension + d] }
      features.append(mean + noise * Float(rng.nextNormal()))
    }
  }
}
