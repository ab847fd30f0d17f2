/// An axis-aligned box in normalized image coordinates: x to the right, y down, both in [0, 1].
public struct BoundingBox: Sendable, Equatable, Codable {
  public var x1: Float
  public var y1: Float
  public var x2: Float
  public var y2: Float

  public init(x1: Float, y1: Float, x2: Float, y2: Float) {
    self.x1 = x1
    self.y1 = y1
    self.x2 = x2
    self.y2 = y2
  }

  public var width: Float { x2 - x1 }
  public var height: Float { y2 - y1 }
  public var area: Float { max(0, width) * max(0, height) }
  public var centerX: Float { (x1 + x2) / 2 }
  public var centerY: Float { (y1 + y2) / 2 }

  /// The 6 numbers Oscar/VinVL append to each region feature: (x1, y1, x2, y2, w, h),
  /// all normalized by the image size.
  public var geometry: [Float] { [x1, y1, x2, y2, width, height] }

  public func intersectionArea(with other: BoundingBox) -> Float {
    let w = min(x2, other.x2) - max(x1, other.x1)
    let h = min(y2, other.y2) - max(y1, other.y1)
    return w > 0 && h > 0 ? w * h : 0
  }

  /// The box clipped to the image.
  public var clamped: BoundingBox {
    BoundingBox(
      x1: min(max(x1, 0), 1), y1: min(max(y1, 0), 1), x2: min(max(x2, 0), 1), y2: min(max(y2, 0), 1)
    )
  }
}

/// One object of a scene, the ground truth behind the image, the caption and the detector.
public struct SceneObject: Sendable, Equatable, Codable {
  /// Index into `SceneTaxonomy.fineClasses`.
  public var fineClass: Int
  /// Index into `SceneTaxonomy.colours`.
  public var colour: Int
  public var size: ObjectSize
  public var box: BoundingBox

  public init(fineClass: Int, colour: Int, size: ObjectSize, box: BoundingBox) {
    self.fineClass = fineClass
    self.colour = colour
    self.size = size
    self.box = box
  }

  public var className: String { SceneTaxonomy.fineClasses[fineClass].name }
  public var category: Int { SceneTaxonomy.fineClasses[fineClass].category }
  public var colourName: String { SceneTaxonomy.colours[colour].name }
}

/// Where one object lies relative to another, judged on the axis where their centres differ
/// most (so every ordered pair of objects has exactly one relation).
public enum SpatialRelation: String, Sendable, Codable, CaseIterable {
  case leftOf, rightOf, above, below

  /// Caption phrasings; the first is canonical. Alternatives are paraphrases (UNIMO positives).
  public var phrases: [String] {
    switch self {
    case .leftOf: ["left of", "to the left of"]
    case .rightOf: ["right of", "to the right of"]
    case .above: ["above", "over"]
    case .below: ["below", "under", "beneath"]
    }
  }

  public init(subject: BoundingBox, object: BoundingBox) {
    let dx = subject.centerX - object.centerX
    let dy = subject.centerY - object.centerY
    if abs(dx) >= abs(dy) {
      self = dx < 0 ? .leftOf : .rightOf
    } else {
      self = dy < 0 ? .above : .below
    }
  }
}

/// An edge of the scene graph: `objects[subject]` is `relation` `objects[object]`.
public struct SceneRelation: Sendable, Equatable, Codable {
  public var subject: Int
  public var relation: SpatialRelation
  public var object: Int

  public init(subject: Int, relation: SpatialRelation, object: Int) {
    self.subject = subject
    self.relation = relation
    self.object = object
  }
}

/// The structured scene (objects with attributes, and relations) that the image, the caption
/// and the detector are all derived from. Kept with every pair so that objectives can rewrite
/// captions from it (UNIMO's scene-graph hard negatives) and the UI can explain a sample.
public struct SceneGraph: Sendable, Equatable, Codable {
  public var objects: [SceneObject]
  /// One relation per unordered pair of objects, subject < object; the reverse is its inverse.
  public var relations: [SceneRelation]

  public init(objects: [SceneObject]) {
    self.objects = objects
    var relations: [SceneRelation] = []
    for subject in objects.indices {
      for object in objects.indices where object > subject {
        let relation = SpatialRelation(subject: objects[subject].box, object: objects[object].box)
        relations.append(SceneRelation(subject: subject, relation: relation, object: object))
      }
    }
    self.relations = relations
  }

  /// The relation of `objects[subject]` to `objects[object]` (the two must differ).
  public func relation(from subject: Int, to object: Int) -> SpatialRelation {
    SpatialRelation(subject: objects[subject].box, object: objects[object].box)
  }
}
