/// Which objectives train and with what weight (0 switches one off), plus the settings of
/// ALBEF's momentum machinery and of masking. Defaults follow the official configs
/// (../shared/reference/vlp-objectives.md), scaled to the workbench (queue 1,024, not 65,536).
public struct ObjectiveConfiguration: Sendable, Equatable {
  /// ALBEF: image-text contrastive, masked language modelling, image-text matching.
  public var itc: Float = 1
  public var mlm: Float = 1
  public var itm: Float = 1
  /// Oscar: the polluted-tag contrastive loss. (Oscar's masked token loss is `mlm`.)
  public var pollutedTags: Float = 1
  /// Momentum distillation for ITC and MLM (ALBEF); off = one-hot targets, alpha 0.
  public var distillation = true
  public var alpha: Float = 0.4
  /// Steps over which alpha ramps from 0 (ALBEF: the first epoch); 0 = one epoch of batches.
  public var alphaRampSteps = 0
  public var queueSize = 1024
  public var momentum: Float = 0.995
  public var temperature: Float = 0.07
  public var maskProbability: Float = 0.15
  /// Oscar: probability that a sample's tags (or caption) are replaced by another sample's.
  public var pollutionProbability: Float = 0.5
  /// Oscar+ (VinVL): probability that the caption (text_a) is the part replaced, with its own
  /// class (`texta_false_prob`; Oscar+ uses 0.25). 0 = vanilla Oscar: only tags are polluted
  /// (the caption only when there are no tags) and the head has 2 classes; above 0, 3 classes.
  public var captionPollutionProbability: Float = 0

  /// Classes of the polluted-tag head: matched, polluted tags, and (Oscar+) polluted caption.
  public var pollutionClasses: Int { Pollution.classes(captionPollution: captionPollutionProbability) }

  public init() {}

  /// The names of the losses a family reports, in display order.
  public func enabledLosses(for family: ModelFamily) -> [String] {
    switch family {
    case .albef:
      [("itc", itc), ("mlm", mlm), ("itm", itm)].filter { $0.1 > 0 }.map(\.0)
    case .oscar:
      [("mlm", mlm), ("pollutedTags", pollutedTags)].filter { $0.1 > 0 }.map(\.0)
    }
  }
}

extension ObjectiveConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case itc, mlm, itm, pollutedTags, distillation, alpha, alphaRampSteps, queueSize, momentum
    case temperature, maskProbability, pollutionProbability, captionPollutionProbability
  }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&itc, .itc)
    try c.read(&mlm, .mlm)
    try c.read(&itm, .itm)
    try c.read(&pollutedTags, .pollutedTags)
    try c.read(&distillation, .distillation)
    try c.read(&alpha, .alpha)
    try c.read(&alphaRampSteps, .alphaRampSteps)
    try c.read(&queueSize, .queueSize)
    try c.read(&momentum, .momentum)
    try c.read(&temperature, .temperature)
    try c.read(&maskProbability, .maskProbability)
    try c.read(&pollutionProbability, .pollutionProbability)
    try c.read(&captionPollutionProbability, .captionPollutionProbability)
    for (value, key) in [(itc, CodingKeys.itc), (mlm, .mlm), (itm, .itm), (pollutedTags, .pollutedTags)] {
      try c.check(value, 0...100, key)
    }
    try c.check(alpha, 0...1, .alpha)
    try c.check(alphaRampSteps, 0...100_000_000, .alphaRampSteps)
    try c.check(queueSize, 0...1_048_576, .queueSize)
    try c.check(momentum, 0...1, .momentum)
    try c.check(temperature, 0.001...0.5, .temperature)
    try c.check(maskProbability, 0...1, .maskProbability)
    try c.check(pollutionProbability, 0...1, .pollutionProbability)
    try c.check(captionPollutionProbability, 0...1, .captionPollutionProbability)
    guard captionPollutionProbability <= pollutionProbability else {
      throw c.fail(
        .captionPollutionProbability,
        "must not exceed pollutionProbability (\(pollutionProbability)), got \(captionPollutionProbability)")
    }
  }
}
