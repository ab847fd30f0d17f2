/// Which objectives train and with what weight (0 switches one off), plus the settings of
/// ALBEF's momentum machinery and of masking. Defaults follow the official configs
/// (../shared/reference/vlp-objectives.md), scaled to the workbench (queue 1,024, not 65,536).
public struct ObjectiveConfiguration: Sendable, Equatable {
  /// ALBEF: image-text contrastive, masked language modelling, image-text matching.
  public var itc: Float = 1
  public var mlm: Float = 1
  public var itm: Float = 1
  /// How ITM draws each pair's negative from the batch: ALBEF's `hard` (by ITC similarity),
  /// `random` (uniform) or `mixed` (half and half); duplicates of the positive never.
  public var itmNegatives = NegativeSampling.hard
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
  /// What the tag share of the pollution does to a sample without tags: `caption` (Oscar's code:
  /// its caption is swapped instead) or `matched` (it stays matched, so every variant of a tag
  /// study swaps captions at `captionPollutionProbability` and tag pollution comes on top).
  public var untaggedPollution = UntaggedPollution.caption
  /// Masked vision modelling (UNITER's names): masked region feature regression, masked region
  /// classification against the detector's argmax and against its distribution (KL), and
  /// masked patch regression against the pixels (patch encoders only).
  public var mrfr: Float = 0
  public var mrc: Float = 0
  public var mrcKL: Float = 0
  public var mpr: Float = 0
  /// Share of regions (or patches) masked in the MVM pass; at least one per image (UNITER).
  public var mvmProbability: Float = 0.15
  /// The regression loss of mrfr and mpr: UNITER's MSE or LXMERT's smooth L1.
  public var regressionLoss = RegressionLoss.mse
  /// UNITER's word-region alignment by optimal transport, on the ITM pairs (UNITER: 0.1).
  public var wra: Float = 0
  /// UNIMO's cross-modal contrastive learning with rewritten positives and hard negatives.
  public var cmcl: Float = 0
  /// Captioning on the fusion encoder with causal self-attention (image prefix, causal text).
  public var prefixLM: Float = 0

  /// Classes of the polluted-tag head: matched, polluted tags, and (Oscar+) polluted caption.
  public var pollutionClasses: Int {
    Pollution.classes(captionPollution: captionPollutionProbability)
  }

  public init() {}

  /// Whether the MVM pass runs (any of its heads has a weight).
  public var masksVision: Bool { mrfr > 0 || mrc > 0 || mrcKL > 0 || mpr > 0 }
}

extension ObjectiveConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case itc, mlm, itm, itmNegatives, pollutedTags, distillation, alpha, alphaRampSteps, queueSize, momentum
    case temperature, maskProbability, pollutionProbability, captionPollutionProbability
    case untaggedPollution, mrfr, mrc, mrcKL, mpr, mvmProbability, regressionLoss, wra, cmcl, prefixLM
  }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&itc, .itc)
    try c.read(&mlm, .mlm)
    try c.read(&itm, .itm)
    try c.read(&itmNegatives, .itmNegatives)
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
    try c.read(&untaggedPollution, .untaggedPollution)
    try c.read(&mrfr, .mrfr)
    try c.read(&mrc, .mrc)
    try c.read(&mrcKL, .mrcKL)
    try c.read(&mpr, .mpr)
    try c.read(&wra, .wra)
    try c.read(&cmcl, .cmcl)
    try c.read(&prefixLM, .prefixLM)
    try c.read(&mvmProbability, .mvmProbability)
    try c.read(&regressionLoss, .regressionLoss)
    for objective in Objective.allCases {
      guard let key = CodingKeys(rawValue: objective.configurationKey) else { continue }
      try c.check(weight(of: objective), 0...100, key)
    }
    try c.check(alpha, 0...1, .alpha)
    try c.check(alphaRampSteps, 0...100_000_000, .alphaRampSteps)
    try c.check(queueSize, 0...1_048_576, .queueSize)
    try c.check(momentum, 0...1, .momentum)
    try c.check(temperature, 0.001...0.5, .temperature)
    try c.check(maskProbability, between: 0, and: 1, .maskProbability)
    try c.check(pollutionProbability, 0...1, .pollutionProbability)
    try c.check(captionPollutionProbability, 0...1, .captionPollutionProbability)
    // 0 would mask nothing, yet "at least one" masks a region anyway: ask for a real share.
    try c.check(mvmProbability, 0.01...1, .mvmProbability)
    guard captionPollutionProbability <= pollutionProbability else {
      throw c.fail(
        .captionPollutionProbability,
        "must not exceed pollutionProbability (\(pollutionProbability)), got \(captionPollutionProbability)"
      )
    }
    guard untaggedPollution == .caption || captionPollutionProbability > 0 else {
      throw c.fail(
        .untaggedPollution,
        "\"matched\" swaps captions only at captionPollutionProbability, which is 0, so a sample "
          + "without tags would never be polluted: set captionPollutionProbability above 0 (e.g. 0.25)")
    }
  }
}

/// The regression loss of masked feature and patch regression.
public enum RegressionLoss: String, Sendable, Equatable, CaseIterable, Codable {
  /// UNITER's MRFR: mean squared error over every element.
  case mse
  /// LXMERT's feature loss (named 'l2' in its code, but SmoothL1Loss).
  case smoothL1 = "smooth-l1"
}
