import Foundation
import Imaging

/// Where a session's pairs come from (`data.source`; docs/data.md has a layout per source).
public enum DataSource: String, Sendable, Codable, CaseIterable {
  /// The built-in scene world (the default).
  case world
  /// COCO captions files (`images`, `annotations`) and an image folder.
  case coco
  /// Karpathy's `dataset_coco.json` split file and an image folder.
  case karpathy
  /// ALBEF / BLIP / LAVIS annotation lists (`[{"image", "caption"}]`) and an image folder.
  case json
  /// Oscar / VinVL folders of captions, labels and region features.
  case oscarTSV = "oscar-tsv"

  /// The keys of the `data` section this source reads (besides `source`).
  public var keys: [DataConfiguration.CodingKeys] {
    let imageKeys: [DataConfiguration.CodingKeys] = [.vocabulary, .skipInvalid, .fit, .augmentation]
    switch self {
    // The world refuses `vocabulary` when the data is built, with its reason.
    case .world: return [.world, .tags, .vocabulary]
    case .coco: return [.images, .train, .test, .val] + imageKeys
    case .karpathy: return [.images, .file] + imageKeys
    case .json: return [.images, .train, .test] + imageKeys
    case .oscarTSV: return [.train, .test, .labels, .tags, .vocabulary, .skipInvalid]
    }
  }

  /// The file keys a session of this source must give.
  public var requiredKeys: [DataConfiguration.CodingKeys] {
    switch self {
    case .world: []
    case .coco, .json: [.images, .train, .test]
    case .karpathy: [.images, .file]
    case .oscarTSV: [.train, .test]
    }
  }

  /// Whether the source holds pixels (image files) rather than region features.
  public var hasPixels: Bool { self == .coco || self == .karpathy || self == .json }
}

/// The `data` section: the source and its files, and the settings of the world or the images.
/// File paths are absolute or relative to `baseFolder` (the session folder).
public struct DataConfiguration: Sendable, Equatable {
  public var source: DataSource = .world
  public var world = SceneWorldConfiguration()
  /// Oscar's tag set: fine (VG-like), coarse (Open-Images-like) or none. For oscar-tsv only
  /// `none` changes anything: the tags are the label file's classes.
  public var tags: TagVocabulary = .fine
  /// Image folder (coco, karpathy, json).
  public var images: String?
  /// Split files (coco, json) or folders (oscar-tsv).
  public var train: String?
  public var test: String?
  public var val: String?
  /// Karpathy's dataset_coco.json.
  public var file: String?
  /// oscar-tsv: the label file name inside each split folder (default predictions_gt.tsv).
  public var labels: String?
  /// A BERT vocab.txt; without one the vocabulary is built from the training captions.
  public var vocabulary: String?
  /// Skip (and log once) items that cannot be read instead of refusing the data set.
  public var skipInvalid = false
  public var fit: ImageFit = .crop
  /// ALBEF's random resized crop (scale 0.5-1) and horizontal flip on training images.
  public var augmentation = false
  /// The folder relative paths are read from: the session folder (not written to session.json).
  public var baseFolder: String?

  public init() {}

  /// `key`'s path as the loader opens it, or nil when the session does not give it.
  public func path(_ key: CodingKeys) -> String? {
    guard let value = written(key) else { return nil }
    if value.hasPrefix("/") { return value }
    let base = baseFolder ?? FileManager.default.currentDirectoryPath
    return (base as NSString).appendingPathComponent(value)
  }

  /// `vocabulary` resolved against `sessionFolder`.
  public func vocabularyPath(sessionFolder: String) -> String? {
    guard let vocabulary else { return nil }
    if vocabulary.hasPrefix("/") { return vocabulary }
    return (sessionFolder as NSString).appendingPathComponent(vocabulary)
  }

  /// `key`'s value as session.json wrote it (file keys only).
  public func written(_ key: CodingKeys) -> String? {
    switch key {
    case .images: images
    case .train: train
    case .test: test
    case .val: val
    case .file: file
    case .labels: labels
    case .vocabulary: vocabulary
    default: nil
    }
  }

  static let fileKeys: [CodingKeys] = [.images, .train, .test, .val, .file, .labels, .vocabulary]

  /// Two configurations that differ only in `baseFolder` read the same world.
  public static func == (a: DataConfiguration, b: DataConfiguration) -> Bool {
    a.source == b.source && a.world == b.world && a.tags == b.tags && a.images == b.images
      && a.train == b.train && a.test == b.test && a.val == b.val && a.file == b.file
      && a.labels == b.labels && a.vocabulary == b.vocabulary && a.skipInvalid == b.skipInvalid
      && a.fit == b.fit && a.augmentation == b.augmentation
      && (a.source == .world || a.baseFolder == b.baseFolder)
  }
}

extension DataConfiguration: Codable {
  public enum CodingKeys: String, CodingKey, CaseIterable {
    case source, world, tags, images, train, test, val, file, labels, vocabulary, skipInvalid
    case fit, augmentation
  }

  /// Strict as every section, and per source: a key the source does not read is an error that
  /// lists the keys it does, and each file key the source needs must be there.
  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&source, .source)
    let allowed = [CodingKeys.source] + source.keys
    for key in CodingKeys.allCases where c.container.contains(key) && !allowed.contains(key) {
      throw c.fail(
        key,
        "not a key of data.source \"\(source.rawValue)\" (its keys: "
          + allowed.map(\.rawValue).joined(separator: ", ") + "); see docs/data.md")
    }
    for key in source.requiredKeys where !c.container.contains(key) {
      throw c.fail(
        key, "data.source \"\(source.rawValue)\" needs it: the path of "
          + (key == .images ? "the image folder" : "the \(key.rawValue) file or folder"))
    }
    try c.read(&world, .world)
    try c.read(&tags, .tags)
    try c.read(&images, .images)
    try c.read(&train, .train)
    try c.read(&test, .test)
    try c.read(&val, .val)
    try c.read(&file, .file)
    try c.read(&labels, .labels)
    try c.read(&vocabulary, .vocabulary)
    try c.read(&skipInvalid, .skipInvalid)
    try c.read(&fit, .fit)
    try c.read(&augmentation, .augmentation)
    for key in Self.fileKeys where written(key)?.isEmpty == true {
      throw c.fail(key, "expected a path, got an empty string")
    }
  }

  /// A world session writes exactly what it wrote before sources existed (`world`, `tags`), so
  /// checkpoints' stored configurations do not change; a real source writes its own keys.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    guard source != .world else {
      try container.encode(world, forKey: .world)
      try container.encode(tags, forKey: .tags)
      try container.encodeIfPresent(vocabulary, forKey: .vocabulary)
      return
    }
    try container.encode(source, forKey: .source)
    for key in source.keys {
      switch key {
      case .tags: try container.encode(tags, forKey: key)
      case .skipInvalid: try container.encode(skipInvalid, forKey: key)
      case .fit: try container.encode(fit, forKey: key)
      case .augmentation: try container.encode(augmentation, forKey: key)
      default: try container.encodeIfPresent(written(key), forKey: key)
      }
    }
  }
}
