import NN
import VLP

/// `config.json` of an exported variant: every setting the PyTorch trainer reads, resolved from
/// session.json and vlp's defaults, under the names session.json uses. JSON has no place here
/// for vlp's booleans in `JSONValue`, so flags are written 0 or 1; the seed (a UInt64) as a
/// decimal string. `vlpConfiguration` is the configuration text vlp's checkpoints record, which
/// the trainer copies into its own so that `vlp import` can check them.
enum PyTorchConfig {
  struct Derived {
    var variant: String
    var session: String
    var trainCount: Int
    var testCount: Int
    /// config.json's `data` for a session whose files the trainer reads (PyTorchRealData).
    var dataFiles: JSONValue? = nil
  }

  static func json(_ trainer: Pretrainer, derived: Derived) -> JSONValue {
    let c = trainer.configuration
    let (m, o, t) = (c.model, c.objectives, c.training)
    let data = trainer.data
    func flag(_ value: Bool) -> JSONValue { .integer(value ? 1 : 0) }
    // Oscar reads regions whatever model.imageInput says (PretrainingConfiguration).
    let regions = m.family == .oscar || m.imageInput == .regions
    let model: JSONValue = .object([
      ("family", .string(m.family.rawValue)),
      ("imageInput", .string(regions ? ImageInput.regions.rawValue : m.imageInput.rawValue)),
      ("dimension", .integer(m.dimension)), ("headCount", .integer(m.headCount)),
      ("hiddenSize", .integer(m.hiddenSize)), ("imageLayers", .integer(m.imageLayers)),
      ("textLayers", .integer(m.textLayers)), ("fusionLayers", .integer(m.fusionLayers)),
      ("layers", .integer(m.layers)),
      ("normalization", .string(m.normalization.rawValue)), ("dropout", .float(m.dropout)),
      ("imageSize", .integer(m.imageSize)), ("patchSize", .integer(m.patchSize)),
      ("maximumTextLength", .integer(m.maximumTextLength)),
      ("maximumRegions", .integer(m.maximumRegions)),
      ("embeddingDimension", .integer(m.embeddingDimension)), ("tieMLMHead", flag(m.tieMLMHead)),
      ("regionLayerNorm", flag(m.regionLayerNorm)),
    ])
    let objectives: JSONValue = .object([
      ("itc", .float(o.itc)), ("mlm", .float(o.mlm)), ("itm", .float(o.itm)),
      ("mrfr", .float(o.mrfr)), ("mrc", .float(o.mrc)), ("mrcKL", .float(o.mrcKL)),
      ("mpr", .float(o.mpr)), ("wra", .float(o.wra)), ("cmcl", .float(o.cmcl)),
      ("prefixLM", .float(o.prefixLM)), ("distillation", flag(o.distillation)),
      ("alpha", .float(o.alpha)), ("alphaRampSteps", .integer(o.alphaRampSteps)),
      ("queueSize", .integer(o.queueSize)), ("momentum", .float(o.momentum)),
      ("temperature", .float(o.temperature)), ("maskProbability", .float(o.maskProbability)),
      ("mvmProbability", .float(o.mvmProbability)), ("pollutedTags", .float(o.pollutedTags)),
      ("pollutionProbability", .float(o.pollutionProbability)),
      ("captionPollutionProbability", .float(o.captionPollutionProbability)),
      ("untaggedPollution", .string(o.untaggedPollution.rawValue)),
      ("pollutionClasses", .integer(o.pollutionClasses)),
      ("regressionLoss", .string(o.regressionLoss.rawValue)),
    ])
    let training: JSONValue = .object([
      ("batchSize", .integer(t.batchSize)), ("steps", .integer(t.steps)),
      ("learningRate", .float(t.learningRate)), ("warmupSteps", .integer(t.warmupSteps)),
      ("warmupLearningRate", .float(t.warmupLearningRate)),
      ("minimumLearningRate", .float(t.minimumLearningRate)),
      ("weightDecay", .float(t.weightDecay)), ("gradientClipNorm", .float(t.gradientClipNorm)),
    ])
    let vocabulary = data.vocabulary
    let resolved: JSONValue = .object([
      ("vocabularySize", .integer(data.vocabularySize)),
      ("regionInputSize", .integer(data.regionInputSize)),
      ("featureWidth", .integer(regions ? data.corpus.regionFeatureDimension : m.patchValues)),
      ("patchValues", .integer(m.patchValues)), ("padID", .integer(vocabulary.padID)),
      ("classID", .integer(vocabulary.classID)), ("maskID", .integer(vocabulary.maskID)),
      ("separatorID", .integer(vocabulary.separatorID)),
      ("unknownID", .integer(vocabulary.unknownID)),
      ("trainCount", .integer(derived.trainCount)), ("testCount", .integer(derived.testCount)),
      ("regionClasses", .integer(SceneTaxonomy.fineClassCount)),
    ])
    var members: [(key: String, value: JSONValue)] = [
      ("session", .string(derived.session)), ("variant", .string(derived.variant)),
      ("seed", .string(String(c.seed))), ("model", model), ("objectives", objectives),
      ("training", training),
      ("evaluation", .object([("retrievalPairs", .integer(c.evaluation.retrievalPairs))])),
      ("derived", resolved),
    ]
    if let files = derived.dataFiles { members.append(("data", files)) }
    members.append(("vlpConfiguration", .string(trainer.configurationJSON)))
    return .object(members)
  }
}
