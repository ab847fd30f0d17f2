import NN
import Tensor

/// What the engine and the commands ask of a run besides steps. Each question has its own type
/// that takes the trained model (Eval/, Probes/); these only hand it the run's model and data.
extension Pretrainer {
  var heldOut: HeldOutPairs { HeldOutPairs(data: data, configuration: configuration) }

  /// The held-out pairs retrieval is scored on (see `HeldOutPairs`).
  public var retrievalIndices: [Int] { heldOut.retrievalIndices }

  /// The held-out pairs the accuracies are measured on.
  public var accuracyIndices: [Int] { heldOut.accuracyIndices }

  /// Scores the current weights on the test split (no dropout, fixed masks and negatives, so two
  /// evaluations of the same weights agree exactly).
  public func evaluate() throws -> EvaluationReport {
    try noGrad {
      var report =
        switch family.model {
        case .albef(let model): try ALBEFEvaluation(model: model, heldOut: heldOut).report(step: step)
        case .oscar(let model): try OscarEvaluation(model: model, heldOut: heldOut).report(step: step)
        }
      let k = configuration.evaluation.purityNeighbours
      if k > 0 {
        let features = try featureProbe.tokenFeatures(pairs: heldOut.retrievalIndices)
        report.classPurity = ClassPurity.compute(features, neighbours: k)
      }
      return report
    }
  }

  public var maskedWordProbe: MaskedWordProbe {
    MaskedWordProbe(model: family.model, data: data, configuration: configuration)
  }

  public var attentionMapProbe: AttentionMapProbe {
    AttentionMapProbe(
      model: family.model, momentumModel: family.momentumModule as? ALBEFModel, data: data,
      configuration: configuration)
  }

  public var featureProbe: FeatureProbe {
    FeatureProbe(model: family.model, data: data, configuration: configuration)
  }

  /// The caption generator; nil unless the run is ALBEF and trains `prefixLM` (otherwise the
  /// head is the MLM head, never trained to continue a caption).
  public var captionGenerator: CaptionGenerator? {
    guard case .albef(let model) = family.model, configuration.objectives.prefixLM > 0 else {
      return nil
    }
    return CaptionGenerator(model: model, data: data)
  }

  /// See `MaskedWordProbe.captionWords(of:)`.
  public func captionWords(of index: Int) -> [String] { maskedWordProbe.captionWords(of: index) }

  /// See `MaskedWordProbe.predict(pairIndex:maskedWords:)`.
  public func predictMaskedWords(pairIndex: Int, maskedWords: Set<Int>) throws
    -> [MaskedWordPrediction]
  {
    try maskedWordProbe.predict(pairIndex: pairIndex, maskedWords: maskedWords)
  }

  /// Greedy caption of a pair's image (`CaptionGenerator`); nil without a PrefixLM head.
  public func generateCaption(pairIndex: Int, maximumLength: Int = 24) throws -> [String]? {
    try captionGenerator?.caption(pairIndex: pairIndex, maximumLength: maximumLength)
  }

  /// See `FeatureProbe.tokenFeatures(pairs:)`.
  public func tokenFeatures(pairs: [Int]) throws -> TokenFeatureSet {
    try featureProbe.tokenFeatures(pairs: pairs)
  }

  /// See `FeatureProbe.pairFeatures(pairs:)`.
  public func pairFeatures(pairs: [Int]) throws -> TokenFeatureSet {
    try featureProbe.pairFeatures(pairs: pairs)
  }
}
