import NN
import Tensor

/// ALBEF's pretraining (models/model_pretrain.py): ITC against momentum features and queues with
/// momentum distillation, ITM on the positive pairs and in-batch hard negatives, MLM with
/// distillation from the momentum model, and the optional WRA, CMCL, PrefixLM and MVM; the
/// queues are updated after the optimiser step. `losses(on:)` is the forward, top to bottom.
final class ALBEFTraining: ModelFamilyTraining {
  let student: ALBEFModel
  let momentumModel: ALBEFModel
  let momentum: MomentumCopy
  let imageQueue: FeatureQueue
  let textQueue: FeatureQueue
  let objectives: ObjectiveConfiguration
  let data: PretrainingData

  init(
    configuration: PretrainingConfiguration, data: PretrainingData, random: inout RandomGenerator
  ) throws {
    student = try Self.buildModel(configuration: configuration, data: data, random: &random)
    var copyRandom = random.fork()
    momentumModel = try Self.buildModel(configuration: configuration, data: data, random: &copyRandom)
    momentum = try MomentumCopy(
      of: student, copy: momentumModel, momentum: configuration.objectives.momentum)
    objectives = configuration.objectives
    self.data = data
    let (size, dimension, batch) = (
      configuration.objectives.queueSize, configuration.model.embeddingDimension,
      configuration.training.batchSize
    )
    imageQueue = try FeatureQueue(
      capacity: size, dimension: dimension, batchSize: batch, random: &random)
    textQueue = try FeatureQueue(
      capacity: size, dimension: dimension, batchSize: batch, random: &random)
  }

  /// A fresh model of this run's structure (the student, the momentum copy, a detached copy).
  static func buildModel(
    configuration: PretrainingConfiguration, data: PretrainingData, random: inout RandomGenerator
  ) throws -> ALBEFModel {
    try ALBEFModel(
      configuration: configuration.model, vocabularySize: data.vocabularySize,
      regionInputSize: data.regionInputSize,
      initialTemperature: configuration.objectives.temperature,
      objectives: configuration.objectives, random: &random)
  }

  /// The momentum features of the last step, enqueued once the optimiser has applied it (as
  /// the official code, after the losses).
  private var pendingQueueFeatures: (image: Tensor, text: Tensor)?
  /// The momentum copy's values before the last step's EMA update, which the forward applies
  /// (as the official code does): restored when that step is discarded.
  private var momentumBeforeStep: [[Float]]?

  var model: TrainedModel { .albef(student) }
  var momentumModule: (any Module)? { momentumModel }
  var temperature: Float? { (try? student.temperature.item()) ?? 0 }
  var queueFill: Int { imageQueue.realCount }

  /// One step's losses on its batch (masked captions from the masking stream, CMCL's rewrites
  /// from the rewriting stream, assembled by `BatchAssembler`).
  func step(_ inputs: StepInputs, batch family: FamilyBatch) throws -> FamilyStepResult {
    guard case .albef(let batch, let rewrites) = family else {
      throw TrainingError.invalidRequest("an ALBEF step was handed another family's batch")
    }
    return try losses(
      on: batch, vision: inputs.vision, rewrites: rewrites, alpha: inputs.alpha,
      context: inputs.context,
      negativesSeed: StreamSeed.derive(inputs.seed, stream: .negatives, index: inputs.step),
      capturePseudoTargets: inputs.capturePseudoTargets)
  }

  /// ALBEF's forward (models/model_pretrain.py), objective by objective.
  func losses(
    on batch: ALBEFBatch, vision: MaskedVision? = nil, rewrites: ContrastiveRewrites? = nil,
    alpha: Float, context: ForwardContext, negativesSeed: UInt64, capturePseudoTargets: Bool
  ) throws -> FamilyStepResult {
    let model = student
    ImageTextContrastive.clampTemperature(model.temperature)
    let (imageTokens, imageMask) = try model.encodeImage(batch.image, context: context)
    let textHidden = try model.encodeText(batch.text.ids, mask: batch.text.mask, context: context)
    // The teacher: EMA-updated first (as the official forward does), then run without dropout.
    let teacher = try noGrad { try teacherFeatures(batch) }
    var losses = WeightedLosses(objectives)

    // ITC against the momentum features and queues; its logits also draw ITM's negatives.
    var contrastive: ContrastiveOutput?
    let needsEmbeddings = objectives.itc > 0 || objectives.itm > 0 || objectives.cmcl > 0
    let imageEmbedding = needsEmbeddings ? try model.imageEmbedding(imageTokens) : nil
    let textEmbedding = needsEmbeddings ? try model.textEmbedding(textHidden) : nil
    if objectives.itc > 0 || objectives.itm > 0, let imageEmbedding, let textEmbedding {
      let output = try ImageTextContrastive.loss(
        image: imageEmbedding, text: textEmbedding,
        momentumImage: teacher.image, momentumText: teacher.text,
        imageQueue: imageQueue.features, textQueue: textQueue.features,
        temperature: model.temperature, alpha: alpha)
      contrastive = output
      if objectives.itc > 0 { try losses.add(.itc, output.loss) }
    }

    // ITM on the positives and in-batch hard negatives; WRA on the same fused pairs.
    var matchingNegatives: [MatchingNegative] = []
    if objectives.itm > 0, let contrastive {
      var negatives = RandomGenerator(seed: negativesSeed)
      let pairs = try ImageTextMatching.fusedPairs(
        model: model, textHidden: textHidden, textMask: batch.text.mask, imageTokens: imageTokens,
        imageMask: imageMask, contrastive: contrastive, duplicates: batch.duplicates,
        sampling: objectives.itmNegatives, batchSize: batch.pairIndices.count,
        firstTokenOnly: objectives.wra == 0, context: context, random: &negatives)
      matchingNegatives = pairs.negatives
      losses.negativeAudit = pairs.audit
      let itm = try ImageTextMatching.loss(
        logits: model.matchingLogits(pairs.fused), labels: pairs.labels)
      let wra = objectives.wra > 0 ? try WordRegionAlignment.loss(onMatchingPairs: pairs) : nil
      try losses.add(.itm, itm)
      if let wra { try losses.add(.wra, wra) }
    }

    // MLM with distillation from the momentum model.
    var maskedTargets: [MaskedPositionTargets] = []
    if objectives.mlm > 0 {
      let mlm = try MaskedLanguageModeling.albefPass(
        model: model, momentumModel: momentumModel, batch: batch, imageTokens: imageTokens,
        imageMask: imageMask, momentumImageTokens: teacher.tokens, momentumImageMask: teacher.mask,
        alpha: alpha, captureTeacher: capturePseudoTargets, context: context)
      try losses.add(.mlm, mlm.loss)
      if capturePseudoTargets, let teacherLogits = mlm.teacherLogits {
        maskedTargets = PseudoTargetCapture.maskedPositions(
          student: mlm.logits, teacher: teacherLogits, masked: batch.masked,
          length: batch.text.length)
      }
    }

    // CMCL over the batch and its rewritten captions.
    if objectives.cmcl > 0, let rewrites, let imageEmbedding, let textEmbedding {
      try losses.add(
        .cmcl,
        CrossModalContrastive.loss(
          model: model, batch: batch, rewrites: rewrites, image: imageEmbedding,
          text: textEmbedding, context: context))
    }

    // Captioning with the image as the prefix.
    if objectives.prefixLM > 0 {
      try losses.add(
        .prefixLM,
        CaptionModeling.loss(
          model: model, batch: batch, imageTokens: imageTokens, imageMask: imageMask,
          context: context))
    }

    // MVM within the image encoder.
    if let vision, let heads = model.visionHeads {
      for (objective, loss) in try MaskedVisionModeling.albefPass(
        model: model, heads: heads, image: batch.image, vision: vision, objectives: objectives,
        context: context)
      {
        try losses.add(objective, loss)
      }
    }

    var pseudoTargets: PseudoTargets?
    if capturePseudoTargets {
      pseudoTargets = PseudoTargets(
        pairIndices: batch.pairIndices, maskedPositions: maskedTargets,
        imageTexts: contrastive.map {
          PseudoTargetCapture.imageTexts(
            momentumImageToText: $0.momentumImageToText, pairIndices: batch.pairIndices,
            queueIndices: textQueue.pairIndices)
        } ?? [],
        matchingNegatives: PseudoTargetCapture.matchingNegatives(
          matchingNegatives, pairIndices: batch.pairIndices))
    }
    pendingQueueFeatures = (teacher.image, teacher.text)
    return losses.result(pseudoTargets: pseudoTargets)
  }

  /// The momentum model's image tokens and both ITC embeddings, after its EMA update.
  private func teacherFeatures(_ batch: ALBEFBatch) throws -> (
    tokens: Tensor, mask: Tensor?, image: Tensor, text: Tensor
  ) {
    momentumBeforeStep = momentumModel.namedParameters().map(\.tensor.scalars)
    momentum.update()
    let inference = ForwardContext.inference()
    let image = try momentumModel.encodeImage(batch.image, context: inference)
    // Only the [CLS] of the momentum text encoder is read (its ITC embedding): its last layer
    // computes that row alone, the same bits (no dropout here).
    let text = try momentumModel.encodeText(
      batch.text.ids, mask: batch.text.mask,
      outputPositions: .firstTokens(batch.text.ids.shape[0]), context: inference)
    return (
      image.tokens, image.mask, try momentumModel.imageEmbedding(image.tokens),
      try momentumModel.textEmbedding(text)
    )
  }

  /// Enqueues the momentum features of the step just applied.
  func stepApplied(pairIndices: [Int]) throws {
    momentumBeforeStep = nil
    guard let features = pendingQueueFeatures else { return }
    pendingQueueFeatures = nil
    guard imageQueue.capacity > 0 else { return }
    try imageQueue.enqueue(features.image, pairIndices: pairIndices)
    try textQueue.enqueue(features.text, pairIndices: pairIndices)
  }

  /// Forgets the step's queue features and undoes its EMA update of the momentum copy.
  func stepDiscarded() {
    pendingQueueFeatures = nil
    guard let saved = momentumBeforeStep else { return }
    momentumBeforeStep = nil
    for (parameter, values) in zip(momentumModel.namedParameters(), saved) where !values.isEmpty {
      values.withUnsafeBufferPointer {
        parameter.tensor.storage.pointer.update(from: $0.baseAddress!, count: $0.count)
      }
    }
  }
}
