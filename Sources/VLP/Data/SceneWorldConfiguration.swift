/// Every knob of the scene world, with the defaults of the built-in data set. Sessions embed it
/// in session.json; decoding rejects unknown keys and values out of range, naming the field.
public struct SceneWorldConfiguration: Sendable, Equatable {
  /// Seeds everything: prototypes, scenes, captions, detections, images and splits.
  public var seed: UInt64 = 1
  public var pairCount = 20_000
  public var minimumObjects = 1
  public var maximumObjects = 4
  /// Zipf exponent of the fine-class frequencies (0: uniform). Class k (in taxonomy order) is
  /// drawn with probability proportional to 1 / (k + 1)^exponent: a long tail as in VG.
  public var classFrequencyExponent = 0.5
  /// Side of the rendered square image, in pixels.
  public var imageSize = 32
  /// Standard deviation of the Gaussian pixel noise added to rendered images.
  public var pixelNoise = 0.03
  /// D, the length of a region feature (the box geometry's 6 numbers come on top).
  public var featureDimension = 64
  /// Standard deviation of the per-region feature noise; prototypes have unit scale.
  public var featureNoise = 0.5
  /// Each image gets 0 to this many background regions: boxes with features but no confident
  /// class, which produce no tags (as the low-confidence boxes of a real detector).
  public var maximumBackgroundRegions = 2
  /// Probability that the detector misses an object (no region, no tag).
  public var missRate = 0.05
  /// Probability that an image gets one confident detection where there is no object.
  public var falsePositiveRate = 0.1
  /// Probability that the detector labels an object as a sibling class of the same category.
  public var classConfusionRate = 0.15
  /// Probability that the detector's colour (the fine tag's attribute) is a neighbouring colour.
  public var colourConfusionRate = 0.1
  /// Standard deviation of detector box corners around the true box, as a fraction of the image.
  public var boxJitter = 0.02
  /// Fraction of captions that are wrong (a wrong colour or an absent object): web alt-text noise.
  public var noisyCaptionRate = 0.2
  /// Probability that a caption mentions an object's size.
  public var sizeMentionRate = 0.5
  /// Probability that a caption of several objects states a spatial relation.
  public var relationMentionRate = 0.6
  public var validationFraction = 0.05
  public var testFraction = 0.05

  public init() {}

  /// The built-in data set.
  public static let standard = SceneWorldConfiguration()

  /// Exact sizes of the held-out splits (the fractions of `pairCount`, rounded).
  public var splitSizes: (validation: Int, test: Int) {
    (
      Int((validationFraction * Double(pairCount)).rounded()),
      Int((testFraction * Double(pairCount)).rounded())
    )
  }

  /// Throws `invalidConfiguration` for the first field out of range; `path` prefixes the field
  /// name when the configuration is nested (e.g. `world.` in session.json).
  public func validate(path: String = "") throws {
    func fail(_ field: String, _ reason: String) -> DataError {
      .invalidConfiguration(field: path + field, reason: reason)
    }
    func check(_ value: Int, _ range: ClosedRange<Int>, _ field: String) throws {
      guard range.contains(value) else {
        throw fail(field, "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
      }
    }
    func check(_ value: Double, _ range: ClosedRange<Double>, _ field: String) throws {
      guard value.isFinite, range.contains(value) else {
        throw fail(field, "must be in [\(range.lowerBound), \(range.upperBound)], got \(value)")
      }
    }
    try check(pairCount, 1...5_000_000, "pairCount")
    try check(minimumObjects, 1...6, "minimumObjects")
    try check(maximumObjects, 1...6, "maximumObjects")
    guard minimumObjects <= maximumObjects else {
      throw fail(
        "maximumObjects",
        "must be at least minimumObjects (\(minimumObjects)), got \(maximumObjects)")
    }
    try check(classFrequencyExponent, 0...4, "classFrequencyExponent")
    try check(imageSize, 8...512, "imageSize")
    try check(pixelNoise, 0...1, "pixelNoise")
    try check(featureDimension, 8...4096, "featureDimension")
    try check(featureNoise, 0...10, "featureNoise")
    try check(maximumBackgroundRegions, 0...64, "maximumBackgroundRegions")
    try check(missRate, 0...1, "missRate")
    try check(falsePositiveRate, 0...1, "falsePositiveRate")
    try check(classConfusionRate, 0...1, "classConfusionRate")
    try check(colourConfusionRate, 0...1, "colourConfusionRate")
    try check(boxJitter, 0...0.2, "boxJitter")
    try check(noisyCaptionRate, 0...1, "noisyCaptionRate")
    try check(sizeMentionRate, 0...1, "sizeMentionRate")
    try check(relationMentionRate, 0...1, "relationMentionRate")
    try check(validationFraction, 0...0.5, "validationFraction")
    try check(testFraction, 0...0.5, "testFraction")
    let heldOut = splitSizes.validation + splitSizes.test
    guard heldOut < pairCount else {
      throw fail(
        "testFraction",
        "validation and test leave no training pairs out of \(pairCount); lower the fractions")
    }
  }
}

extension SceneWorldConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case seed, pairCount, minimumObjects, maximumObjects, classFrequencyExponent, imageSize
    case pixelNoise, featureDimension, featureNoise, maximumBackgroundRegions, missRate
    case falsePositiveRate, classConfusionRate, colourConfusionRate, boxJitter, noisyCaptionRate
    case sizeMentionRate, relationMentionRate, validationFraction, testFraction
  }

  /// Missing keys keep their defaults; unknown keys, wrong types and out-of-range values throw
  /// `DataError` naming the field with its path.
  public init(from decoder: any Decoder) throws {
    let path = decoder.codingPath.map(\.stringValue).map { $0 + "." }.joined()
    let known = CodingKeys.allCases.map(\.rawValue)
    let any = try decoder.container(keyedBy: AnyCodingKey.self)
    for key in any.allKeys where !known.contains(key.stringValue) {
      throw DataError.unknownConfigurationKey(field: path + key.stringValue, known: known)
    }
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func read<T: Decodable>(_ value: inout T, _ key: CodingKeys) throws {
      do {
        if let decoded = try container.decodeIfPresent(T.self, forKey: key) { value = decoded }
      } catch is DecodingError {
        let expected = T.self == Double.self ? "a number" : "a whole number"
        throw DataError.invalidConfiguration(
          field: path + key.rawValue, reason: "expected \(expected)")
      }
    }
    self.init()
    try read(&seed, .seed)
    try read(&pairCount, .pairCount)
    try read(&minimumObjects, .minimumObjects)
    try read(&maximumObjects, .maximumObjects)
    try read(&classFrequencyExponent, .classFrequencyExponent)
    try read(&imageSize, .imageSize)
    try read(&pixelNoise, .pixelNoise)
    try read(&featureDimension, .featureDimension)
    try read(&featureNoise, .featureNoise)
    try read(&maximumBackgroundRegions, .maximumBackgroundRegions)
    try read(&missRate, .missRate)
    try read(&falsePositiveRate, .falsePositiveRate)
    try read(&classConfusionRate, .classConfusionRate)
    try read(&colourConfusionRate, .colourConfusionRate)
    try read(&boxJitter, .boxJitter)
    try read(&noisyCaptionRate, .noisyCaptionRate)
    try read(&sizeMentionRate, .sizeMentionRate)
    try read(&relationMentionRate, .relationMentionRate)
    try read(&validationFraction, .validationFraction)
    try read(&testFraction, .testFraction)
    try validate(path: path)
  }
}

/// A coding key for any string, to list the keys a JSON object actually has.
struct AnyCodingKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) {
    self.stringValue = String(intValue)
    self.intValue = intValue
  }
}
