/// The fixed vocabulary of the scene world: 24 fine shape classes in 6 coarse categories, 10
/// colours and 3 sizes. Fine classes play Visual Genome's object classes (many, specific),
/// coarse categories play Open Images' (few, generic): Oscar's VG-versus-OI tag study in
/// miniature. Siblings in a category look alike in region features and are what the
/// simulated detector confuses.
public enum SceneTaxonomy {
  public struct FineClass: Sendable, Equatable {
    /// The canonical name: the detector's label and the fine tag's noun.
    public let name: String
    /// Words a caption may use for it; the first is `name`.
    public let synonyms: [String]
    public let category: Int
    /// Box width over height: round shapes are square, `bar` is wide, `pole` is tall.
    public let aspectRatio: Float
  }

  public struct Colour: Sendable, Equatable {
    public let name: String
    public let red: Float
    public let green: Float
    public let blue: Float
  }

  public static let categories = ["round", "polygon", "pointed", "starlike", "linear", "pattern"]

  public static let fineClasses: [FineClass] = [
    FineClass(name: "circle", synonyms: ["circle", "disc"], category: 0, aspectRatio: 1),
    FineClass(name: "ring", synonyms: ["ring", "hoop"], category: 0, aspectRatio: 1),
    FineClass(name: "oval", synonyms: ["oval", "ellipse"], category: 0, aspectRatio: 1.6),
    FineClass(name: "crescent", synonyms: ["crescent", "moon"], category: 0, aspectRatio: 1),
    FineClass(name: "square", synonyms: ["square", "box", "block"], category: 1, aspectRatio: 1),
    FineClass(name: "frame", synonyms: ["frame", "outline"], category: 1, aspectRatio: 1),
    FineClass(name: "diamond", synonyms: ["diamond", "rhombus"], category: 1, aspectRatio: 1),
    FineClass(name: "rectangle", synonyms: ["rectangle", "slab"], category: 1, aspectRatio: 1.6),
    FineClass(name: "triangle", synonyms: ["triangle"], category: 2, aspectRatio: 1),
    FineClass(name: "wedge", synonyms: ["wedge"], category: 2, aspectRatio: 1),
    FineClass(name: "arrow", synonyms: ["arrow", "pointer"], category: 2, aspectRatio: 1.3),
    FineClass(name: "chevron", synonyms: ["chevron", "caret"], category: 2, aspectRatio: 1.3),
    FineClass(name: "plus", synonyms: ["plus"], category: 3, aspectRatio: 1),
    FineClass(name: "cross", synonyms: ["cross", "saltire"], category: 3, aspectRatio: 1),
    FineClass(name: "star", synonyms: ["star", "sparkle"], category: 3, aspectRatio: 1),
    FineClass(name: "hourglass", synonyms: ["hourglass", "bowtie"], category: 3, aspectRatio: 0.8),
    FineClass(name: "bar", synonyms: ["bar", "beam"], category: 4, aspectRatio: 3),
    FineClass(name: "pole", synonyms: ["pole", "post"], category: 4, aspectRatio: 1.0 / 3),
    FineClass(name: "slash", synonyms: ["slash", "stroke"], category: 4, aspectRatio: 1),
    FineClass(name: "zigzag", synonyms: ["zigzag", "wave"], category: 4, aspectRatio: 1.6),
    FineClass(name: "checker", synonyms: ["checker", "checkerboard"], category: 5, aspectRatio: 1),
    FineClass(name: "lattice", synonyms: ["lattice", "grid"], category: 5, aspectRatio: 1),
    FineClass(name: "speckle", synonyms: ["speckle", "dapple"], category: 5, aspectRatio: 1),
    FineClass(name: "zebra", synonyms: ["zebra"], category: 5, aspectRatio: 1),
  ]

  /// Ordered so that a colour's nearest neighbours in RGB are the plausible confusions.
  public static let colours: [Colour] = [
    Colour(name: "red", red: 0.90, green: 0.15, blue: 0.15),
    Colour(name: "orange", red: 0.95, green: 0.55, blue: 0.10),
    Colour(name: "yellow", red: 0.95, green: 0.90, blue: 0.20),
    Colour(name: "green", red: 0.20, green: 0.75, blue: 0.25),
    Colour(name: "cyan", red: 0.20, green: 0.85, blue: 0.85),
    Colour(name: "blue", red: 0.20, green: 0.35, blue: 0.90),
    Colour(name: "purple", red: 0.60, green: 0.25, blue: 0.80),
    Colour(name: "pink", red: 0.95, green: 0.50, blue: 0.70),
    Colour(name: "white", red: 0.95, green: 0.95, blue: 0.95),
    Colour(name: "gray", red: 0.55, green: 0.55, blue: 0.55),
  ]

  public static var fineClassCount: Int { fineClasses.count }
  public static var categoryCount: Int { categories.count }

  /// Fine classes of each coarse category, by index.
  public static let classesByCategory: [[Int]] = categories.indices.map { category in
    fineClasses.indices.filter { fineClasses[$0].category == category }
  }

  /// The two colours nearest in RGB: what the detector's attribute head mistakes a colour for.
  public static let confusableColours: [[Int]] = colours.indices.map { index in
    let colour = colours[index]
    func distance(_ other: Colour) -> Float {
      let r = colour.red - other.red
      let g = colour.green - other.green
      let b = colour.blue - other.blue
      return r * r + g * g + b * b
    }
    let others = colours.indices.filter { $0 != index }
    return Array(
      others.sorted { (distance(colours[$0]), $0) < (distance(colours[$1]), $1) }.prefix(2))
  }

  /// English plural of a caption noun (`box` -> `boxes`, `hourglass` -> `hourglasses`).
  public static func plural(of noun: String) -> String {
    for ending in ["s", "x", "ch", "sh"] where noun.hasSuffix(ending) { return noun + "es" }
    return noun + "s"
  }
}

/// The size attribute of an object; the box side it maps to is a fraction of the image side.
public enum ObjectSize: Int, Sendable, Codable, CaseIterable {
  case small, medium, large

  public var word: String {
    switch self {
    case .small: "small"
    case .medium: "medium"
    case .large: "large"
    }
  }

  /// Range of the longer box side, as a fraction of the image side.
  var sideRange: ClosedRange<Float> {
    switch self {
    case .small: 0.18...0.24
    case .medium: 0.28...0.34
    case .large: 0.40...0.48
    }
  }
}
