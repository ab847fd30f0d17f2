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
  }

  /// The loss it belongs to, as reported in a step (`itc`, `mlm`, `itm`, `pollutedTags`).
  public var loss: String
  public var kind: Kind
  public var value: Float
  /// How the value is derived, e.g. "ln(B + Q) = ln 1056".
  public var formula: String
}

extension PretrainingConfiguration {
  /// The reference levels of every loss this configuration trains, for a vocabulary of
  /// `vocabularySize` tokens.
  public func referenceLevels(vocabularySize: Int) -> [ReferenceLevel] {
    var levels: [ReferenceLevel] = []
    func add(_ loss: String, _ kind: ReferenceLevel.Kind, _ value: Double, _ formula: String) {
      levels.append(ReferenceLevel(loss: loss, kind: kind, value: Float(value), formula: formula))
    }
    let o = objectives
    let b = training.batchSize
    if o.mlm > 0 { add("mlm", .chance, log(Double(vocabularySize)), "ln V = ln \(vocabularySize)") }
    let classes = SceneTaxonomy.fineClassCount
    if o.mrc > 0 { add("mrc", .chance, log(Double(classes)), "ln C = ln \(classes)") }
    if o.prefixLM > 0 {
      add("prefixlm", .chance, log(Double(vocabularySize)), "ln V = ln \(vocabularySize)")
    }
    switch model.family {
    case .albef:
      if o.itc > 0 {
        let q = o.queueSize
        add(
          "itc", .chance, log(Double(b + q)), q > 0 ? "ln(B + Q) = ln \(b + q)" : "ln B = ln \(b)")
      }
      if o.itm > 0 {
        add("itm", .chance, log(2), "ln 2")
        add(
          "itm", .prior, Self.entropy([1.0 / 3, 2.0 / 3]), "H(1/3, 2/3): 1 positive : 2 negatives")
      }
    case .oscar:
      if o.pollutedTags > 0 {
        let classes = o.pollutionClasses
        add("pollutedTags", .chance, log(Double(classes)), "ln \(classes)")
        let p = Double(o.pollutionProbability)
        // Without tags every polluted sample is a caption swap, so one polluted class remains.
        let caption = data.tags == .none ? p : Double(o.captionPollutionProbability)
        let mix = [1 - p, p - caption, caption].filter { $0 > 0 }
        add("pollutedTags", .prior, Self.entropy(mix), "entropy of the label mix")
      }
    }
    return levels
  }

  static func entropy(_ probabilities: [Double]) -> Double {
    -probabilities.filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) }
  }
}

extension Pretrainer {
  /// The reference levels of this run's losses (see `ReferenceLevel`), with those that depend
  /// on the data: MRC-kl at uniform logits, and the regression losses of a model that predicts
  /// only the mean feature (or pixel).
  public var referenceLevels: [ReferenceLevel] {
    var levels = configuration.referenceLevels(vocabularySize: data.vocabularySize)
    let o = configuration.objectives
    // The first 2,000 training pairs pin the statistics well and keep this instant.
    let pairs = data.trainIndices.prefix(2000).map { data.world.pairs[$0] }
    if o.mrcKL > 0 {
      let c = SceneTaxonomy.fineClassCount
      let entropy = Self.meanRowEntropy(pairs.flatMap(\.detectorDistributions), width: c)
      levels.append(
        ReferenceLevel(
          loss: "mrc-kl", kind: .chance, value: Float((log(Double(c)) - entropy) / Double(c)),
          formula: "(ln C − mean H(detector)) / C, C = \(c)"))
    }
    if o.mrfr > 0 || o.mpr > 0 {
      let width = data.world.configuration.featureDimension
      let (values, name): ([Float], String) =
        o.mpr > 0
        ? ((try? data.patches(Array(data.trainIndices.prefix(200))).scalars) ?? [], "mpr")
        : (pairs.flatMap(\.regionFeatures), "mrfr")
      let variance = Self.meanColumnVariance(
        values, width: o.mpr > 0 ? data.model.patchValues : width)
      let level = o.regressionLoss == .mse ? variance : Double.nan
      if level.isFinite {
        levels.append(
          ReferenceLevel(
            loss: name, kind: .prior, value: Float(level),
            formula: "mean variance of the targets (predicting their mean)"))
      }
    }
    return levels
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
