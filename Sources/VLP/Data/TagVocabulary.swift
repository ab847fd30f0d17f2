/// Which object tags a pair carries, after Oscar's study of detectors trained on Visual Genome
/// (many fine classes with attributes) versus Open Images (fewer, generic classes): VG tags
/// helped more. Tags always come from the simulated detector, never from the ground truth.
public enum TagVocabulary: String, Sendable, Codable, CaseIterable {
  /// VG-like: the detected attribute and class, e.g. `red circle`.
  case fine
  /// Open-Images-like: the coarse category of the detected class, e.g. `round`.
  case coarse
  /// No tags: Oscar without its anchor points.
  case none

  /// The tag of one detection in this vocabulary (nil for `none`).
  public func tag(fineClass: Int, colour: Int) -> String? {
    switch self {
    case .fine:
      "\(SceneTaxonomy.colours[colour].name) \(SceneTaxonomy.fineClasses[fineClass].name)"
    case .coarse:
      SceneTaxonomy.categories[SceneTaxonomy.fineClasses[fineClass].category]
    case .none:
      nil
    }
  }

  /// How many distinct tags the vocabulary can produce.
  public var distinctTagCount: Int {
    switch self {
    case .fine: SceneTaxonomy.fineClassCount * SceneTaxonomy.colours.count
    case .coarse: SceneTaxonomy.categoryCount
    case .none: 0
    }
  }

  /// Parses `fine`, `coarse` or `none`, for the command line and configuration files.
  public static func named(_ name: String, field: String) throws -> TagVocabulary {
    guard let vocabulary = TagVocabulary(rawValue: name) else {
      throw DataError.invalidConfiguration(
        field: field, reason: "expected fine, coarse or none, got '\(name)'")
    }
    return vocabulary
  }
}
