import Foundation

/// A level a loss curve can be read against: where an untrained model starts, or what a model
/// that has learnt only the label frequencies scores (docs/objectives.md, "Levels at
/// initialisation"). The dashboard draws them as guide lines; a curve far from its start level
/// on step 1 points to a bug.
public struct ReferenceLevel: Sendable, Equatable {
  public enum Kind: String, Sendable {
    /// Uninformative logits: uniform over the classes (or the batch and queue for ITC).
    case chance
    /// A model that knows only the label frequencies: the entropy of the label mix.
    case prior
    /// Where an untrained model is expected to start when that differs from chance: ITC
    /// against the random unit vectors a queue starts with.
    case start
  }

  /// The loss it belongs to, as reported in a step: an `Objective.metricKey`.
  public var loss: String
  public var kind: Kind
  public var value: Float
  /// How the value is derived, e.g. "ln(B + Q) = ln 1056".
  public var formula: String
}

extension PretrainingConfiguration {
  /// The reference levels of every loss this configuration trains, for a vocabulary of
  /// `vocabularySize` tokens. With `data`, also the levels that depend on it: MRC-kl at uniform
  /// logits, and the regression losses of a model that predicts only the mean feature (or pixel).
  public func referenceLevels(vocabularySize: Int, data: PretrainingData? = nil)
    -> [ReferenceLevel]
  {
    Objective.allCases.filter { objectives.trains($0, family: model.family) }.flatMap {
      $0.referenceLevels(configuration: self, vocabularySize: vocabularySize, data: data)
    }
  }

  static func entropy(_ probabilities: [Double]) -> Double {
    -probabilities.filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) }
  }
}

extension Objective {
  /// This objective's levels (docs/objectives.md, "Levels at initialisation"); those that need
  /// the data's statistics are left out without `data`.
  func referenceLevels(
    configuration: PretrainingConfiguration, vocabularySize: Int, data: PretrainingData?
  ) -> [ReferenceLevel] {
    func level(_ kind: ReferenceLevel.Kind, _ value: Double, _ formula: String) -> ReferenceLevel {
      ReferenceLevel(loss: metricKey, kind: kind, value: Float(value), formula: formula)
    }
    let o = configuration.objectives
    let b = configuration.training.batchSize
    let classes = SceneTaxonomy.fineClassCount
    switch self {
    case .itc:
      let q = o.queueSize
      guard q > 0 else { return [level(.chance, log(Double(b)), "ln B = ln \(b)")] }
      return [
        level(.chance, log(Double(b + q)), "ln(B + Q) = ln \(b + q): uniform logits"),
        Self.itcStartLevel(configuration).map { level(.start, $0.value, $0.formula) },
      ].compactMap { $0 }
    case .mlm, .prefixLM:
      return [level(.chance, log(Double(vocabularySize)), "ln V = ln \(vocabularySize)")]
    case .itm:
      return [
        level(.chance, log(2), "ln 2"),
        level(
          .prior, PretrainingConfiguration.entropy([1.0 / 3, 2.0 / 3]),
          "H(1/3, 2/3): 1 positive : 2 negatives"),
      ]
    case .pollutedTags:
      let p = Double(o.pollutionProbability)
      // Without tags every polluted sample is a caption swap (one polluted class remains), or
      // with untaggedPollution "matched" the tag share stays matched.
      var caption = Double(o.captionPollutionProbability)
      var mix = [1 - p, p - caption, caption]
      if configuration.data.tags == .none {
        if o.untaggedPollution == .caption { caption = p }
        mix = [1 - caption, 0, caption]
      }
      mix = mix.filter { $0 > 0 }
      return [
        level(.chance, log(Double(o.pollutionClasses)), "ln \(o.pollutionClasses)"),
        level(.prior, PretrainingConfiguration.entropy(mix), "entropy of the label mix"),
      ]
    case .mrc:
      return [level(.chance, log(Double(classes)), "ln C = ln \(classes)")]
    case .mrcKL:
      guard let data, data.world != nil else { return [] }
      let entropy = Pretrainer.meanRowEntropy(
        Self.statisticsPairs(data).flatMap(\.detectorDistributions), width: classes)
      return [
        level(
          .chance, (log(Double(classes)) - entropy) / Double(classes),
          "(ln C − mean H(detector)) / C, C = \(classes)")
      ]
    case .mrfr, .mpr:
      guard let data, o.regressionLoss == .mse else { return [] }
      let (values, width): ([Float], Int) =
        self == .mpr
        ? ((try? data.patches(Array(data.trainIndices.prefix(200))).scalars) ?? [],
          data.model.patchValues)
        : (Self.statisticsRegionFeatures(data), data.corpus.regionFeatureDimension)
      let variance = Pretrainer.meanColumnVariance(values, width: width)
      guard variance.isFinite else { return [] }
      return [level(.prior, variance, "mean variance of the targets (predicting their mean)")]
    case .wra, .cmcl:
      return []
    }
  }

  /// ITC's expected loss at step 1 with a queue (docs/objectives.md, "Levels at
  /// initialisation"): the untrained towers give one feature per modality, so the B batch
  /// columns share a logit c = cos / τ, while the Q random unit keys give logits that spread
  /// with σ = 1 / (τ√E); the loss is about ln(B·e^c + Q·e^{σ²/2}) − c, whose mean over seeds
  /// (c about N(0, σ²), as the cosine of two unrelated directions) is ln(B + Q·e^{σ²/2}), with a
  /// standard deviation of about σ from seed to seed. Nil without a queue.
  static func itcStartLevel(_ configuration: PretrainingConfiguration) -> (
    value: Double, formula: String
  )? {
    let (b, q) = (Double(configuration.training.batchSize), Double(configuration.objectives.queueSize))
    guard q > 0 else { return nil }
    let e = Double(configuration.model.embeddingDimension)
    let sigma = 1 / (Double(configuration.objectives.temperature) * e.squareRoot())
    let value = log(b + q * exp(sigma * sigma / 2))
    return (
      value,
      "ln(B + Q·e^(σ²/2)), σ = 1/(τ√E) = \(String(format: "%.2f", sigma)): an untrained model "
        + "against the random initial queue, ± σ from seed to seed"
    )
  }

  /// The region features (without boxes) of the statistics pairs, from any corpus.
  private static func statisticsRegionFeatures(_ data: PretrainingData) -> [Float] {
    if data.world != nil { return statisticsPairs(data).flatMap(\.regionFeatures) }
    let width = data.corpus.regionFeatureDimension
    return data.trainIndices.prefix(2000).flatMap { index -> [Float] in
      guard let regions = try? data.corpus.regions(index, distributions: false) else { return [] }
      return (0..<regions.count).flatMap { r in
        regions.inputs[r * (width + 6)..<r * (width + 6) + width]
      }
    }
  }

  /// The first 2,000 training pairs pin the data's statistics well and keep this instant.
  private static func statisticsPairs(_ data: PretrainingData) -> [ScenePair] {
    data.trainIndices.prefix(2000).map { data.world.pairs[$0] }
  }
}

extension Pretrainer {
  /// The reference levels of this run's losses (see `ReferenceLevel`), the data's included.
  public var referenceLevels: [ReferenceLevel] {
    configuration.referenceLevels(vocabularySize: data.vocabularySize, data: data)
  }

  static func meanRowEntropy(_ rows: [Float], width: Int) -> Double {
    let count = rows.count / width
    guard count > 0 else { return 0 }
    var total = 0.0
    for r in 0..<count {
      total += PretrainingConfiguration.entropy(rows[r * width..<(r + 1) * width].map(Double.init))
    }
    return total / Double(count)
  }

  static func meanColumnVariance(_ rows: [Float], width: Int) -> Double {
    let count = rows.count / width
    guard count > 1 else { return .nan }
    var total = 0.0
    for k in 0..<width {
      var (sum, squares) = (0.0, 0.0)
      for r in 0..<count {
        let x = Double(rows[r * width + k])
        sum += x
        squares += x * x
      }
      let mean = sum / Double(count)
      total += squares / Double(count) - mean * mean
    }
    return total / Double(width)
  }
}
