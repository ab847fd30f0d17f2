import NN
import Tensor

/// ALBEF's pretraining step (models/model_pretrain.py): ITC against momentum features and queues
/// with momentum distillation, ITM on the positive pairs and in-batch hard negatives, MLM with
/// distillation from the momentum model; the queues are updated after the losses.
final class ALBEFTraining {
  let model: ALBEFModel
  let momentumModel: ALBEFModel
  let momentum: MomentumCopy
  let imageQueue: FeatureQueue
  let textQueue: FeatureQueue
  let objectives: ObjectiveConfiguration

  init(
    configuration: PretrainingConfiguration, data: PretrainingData, random: inout RandomGenerator
  ) throws {
    func build(_ random: inout RandomGenerator) throws -> ALBEFModel {
      try ALBEFModel(
        configuration: configuration.model, vocabularySize: data.vocabularySize,
        regionInputSize: data.regionInputSize,
        initialTemperature: configuration.objectives.temperature,
        objectives: configuration.objectives, random: &random)
    }
    model = try build(&random)
    var copyRandom = random.fork()
    momentumModel = try build(&copyRandom)
    momentum = try MomentumCopy(
      of: model, copy: momentumModel, momentum: configuration.objectives.momentum)
    objectives = configuration.objectives
    let (size, dimension, batch) = (
      configuration.objectives.queueSize, configuration.model.embeddingDimension,
      configuration.training.batchSize
    )
    imageQueue = try FeatureQueue(
      capacity: size, dimension: dimension, batchSize: batch, random: &random)
    textQueue = try FeatureQueue(
      capacity: size, dimension: dimension, batchSize: batch, random: &random)
  }

  struct Output {
    var total: Tensor
    var losses: [NamedValue]
    var pseudoTargets: PseudoTargets?
    /// The momentum features to enqueue once the step has been applied.
    var momentumImage: Tensor
    var momentumText: Tensor
  }

  struct TeacherFeatures {
    var tokens: Tensor
    var mask: Tensor?
    var image: Tensor
    var text: Tensor
  }

  func teacherFeatures(_ batch: ALBEFBatch) throws -> TeacherFeatures {
    momentum.update()
    let inference = ForwardContext.inference()
    let image = try momentumModel.encodeImage(batch.image, context: inference)
    let text = try momentumModel.encodeText(
      batch.text.ids, mask: batch.text.mask, context: inference)
    return TeacherFeatures(
      tokens: image.tokens, mask: image.mask, image: try momentumModel.imageEmbedding(image.tokens),
      text: try momentumModel.textEmbedding(text))
  }

  func teacherMaskedLogits(_ batch: ALBEFBatch, teacher: TeacherFeatures) throws -> Tensor {
    let inference = ForwardContext.inference()
    let hidden = try momentumModel.encodeText(
      batch.maskedIDs, mask: batch.text.mask, context: inference)
    let fused = try momentumModel.fuse(
      text: hidden, textMask: batch.text.mask, image: teacher.tokens, imageMask: teacher.mask,
      context: inference)
    return try momentumModel.maskedTokenLogits(fused, positions: batch.masked.positions)
  }

  /// Enqueues the momentum features of a step (after the optimiser step, as the official code).
  func enqueue(_ output: Output, pairIndices: [Int]) throws {
    guard imageQueue.capacity > 0 else { return }
    try imageQueue.enqueue(output.momentumImage, pairIndices: pairIndices)
    try textQueue.enqueue(output.momentumText, pairIndices: pairIndices)
  }

  func step(
    _ batch: ALBEFBatch, vision: MaskedVision? = nil, rewrites: ContrastiveRewrites? = nil,
    alpha: Float, context: ForwardContext, negativesSeed: UInt64, capturePseudoTargets: Bool
  ) throws -> Output {
    ImageTextContrastive.clampTemperature(model.temperature)
    let (imageTokens, imageMask) = try model.encodeImage(batch.image, context: context)
    let textHidden = try model.encodeText(batch.text.ids, mask: batch.text.mask, context: context)

    // The teacher: EMA-updated first (as the official forward does), then run without dropout.
    let teacher = try noGrad { try teacherFeatures(batch) }

    var total = Tensor(scalar: 0)
    var losses: [NamedValue] = []
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
      if objectives.itc > 0 {
        total = try total + output.loss * objectives.itc
        losses.append(NamedValue("itc", try output.loss.item()))
      }
    }

    if objectives.itm > 0, let contrastive {
      var random = RandomGenerator(seed: negativesSeed)
      let (itm, wra) = try matchingLoss(
        textHidden: textHidden, textMask: batch.text.mask, duplicates: batch.duplicates,
        imageTokens: imageTokens,
        imageMask: imageMask, contrastive: contrastive, pairIndices: batch.pairIndices,
        context: context, random: &random)
      total = try total + itm * objectives.itm
      losses.append(NamedValue("itm", try itm.item()))
      if let wra {
        total = try total + wra * objectives.wra
        losses.append(NamedValue("wra", try wra.item()))
      }
    }

    var maskedTargets: [MaskedPositionTargets] = []
    if objectives.mlm > 0 {
      let maskedHidden = try model.encodeText(
        batch.maskedIDs, mask: batch.text.mask, context: context)
      let fused = try model.fuse(
        text: maskedHidden, textMask: batch.text.mask, image: imageTokens, imageMask: imageMask,
        context: context)
      let logits = try model.maskedTokenLogits(fused, positions: batch.masked.positions)
      var teacherLogits: Tensor?
      if (alpha > 0 || capturePseudoTargets) && !batch.masked.positions.isEmpty {
        teacherLogits = try noGrad { try teacherMaskedLogits(batch, teacher: teacher) }
      }
      let mlm = try MaskedLanguageModeling.loss(
        logits: logits, targets: batch.masked.targets,
        momentumLogits: alpha > 0 ? teacherLogits : nil,
        alpha: alpha)
      total = try total + mlm * objectives.mlm
      losses.append(NamedValue("mlm", try mlm.item()))
      if capturePseudoTargets, let teacherLogits {
        maskedTargets = PseudoTargetCapture.maskedPositions(
          student: logits, teacher: teacherLogits, masked: batch.masked, length: batch.text.length)
      }
    }

    if objectives.cmcl > 0, let rewrites, let imageEmbedding, let textEmbedding {
      let cmcl = try contrastiveRewriting(
        batch, rewrites: rewrites, image: imageEmbedding, text: textEmbedding, context: context)
      total = try total + cmcl * objectives.cmcl
      losses.append(NamedValue("cmcl", try cmcl.item()))
    }

    if objectives.prefixLM > 0 {
      let captioning = try captioningLoss(
        batch, imageTokens: imageTokens, imageMask: imageMask, context: context)
      total = try total + captioning * objectives.prefixLM
      losses.append(NamedValue("prefixlm", try captioning.item()))
    }

    if let vision, let heads = model.visionHeads {
      for term in try visionLosses(batch, vision: vision, heads: heads, context: context) {
        total = try total + term.loss * term.weight
        losses.append(NamedValue(term.name, try term.loss.item()))
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
        } ?? [])
    }
    return Output(
      total: total, losses: losses, pseudoTargets: pseudoTargets, momentumImage: teacher.image,
      momentumText: teacher.text)
  }

  /// CMCL: image → text over the batch captions plus the rewrites (several positives each),
  /// and text → image over the batch, averaged as UNIMO-2's symmetric loss.
  private func contrastiveRewriting(
    _ batch: ALBEFBatch, rewrites: ContrastiveRewrites, image: Tensor, text: Tensor,
    context: ForwardContext
  ) throws -> Tensor {
    let b = batch.batchSize
    let duplicates = batch.duplicates
    let sameCaption = (0..<b).map { i in (0..<b).filter { duplicates.isDuplicate(i, $0) } }
    var candidates = text
    var positives = sameCaption
    if !rewrites.owners.isEmpty {
      let hidden = try model.encodeText(
        rewrites.text.ids, mask: rewrites.text.mask, context: context)
      candidates = try Tensor.concatenate([text, model.textEmbedding(hidden)], axis: 0)
      for (k, owner) in rewrites.owners.enumerated() where rewrites.isPositive[k] {
        positives[owner].append(b + k)
      }
    }
    let imageToText = try CrossModalContrastive.loss(
      anchors: image, candidates: candidates, positives: positives, temperature: model.temperature)
    let textToImage = try CrossModalContrastive.loss(
      anchors: text, candidates: image, positives: sameCaption, temperature: model.temperature)
    return try (imageToText + textToImage) * 0.5
  }

  /// Captioning (PrefixLM with the image as the prefix): causal text and fusion layers, each
  /// position predicts the next token through the MLM head's decoder.
  private func captioningLoss(
    _ batch: ALBEFBatch, imageTokens: Tensor, imageMask: Tensor?, context: ForwardContext
  ) throws -> Tensor {
    let hidden = try model.encodeText(
      batch.text.ids, mask: batch.text.mask, causal: true, context: context)
    let fused = try model.fuse(
      text: hidden, textMask: batch.text.mask, image: imageTokens, imageMask: imageMask,
      causal: true, context: context)
    let next = CaptionModeling.nextTokens(
      ids: batch.text.ids.values, lengths: batch.text.lengths, length: batch.text.length)
    return try CaptionModeling.loss(
      logits: model.maskedTokenLogits(fused, positions: next.positions), targets: next.targets)
  }

  /// The MVM pass: the image encoder reads the masked items and the heads predict them from its
  /// output. ALBEF's fusion layers emit text positions only, so no region state ever sees the
  /// caption: on ALBEF, MVM is masked image modelling within the image encoder.
  private func visionLosses(
    _ batch: ALBEFBatch, vision: MaskedVision, heads: MaskedVisionHeads, context: ForwardContext
  ) throws -> [(name: String, weight: Float, loss: Tensor)] {
    let masked = ImageInputs(
      values: try heads.masked(batch.image.values, vision), mask: batch.image.mask)
    let (tokens, _) = try model.encodeImage(masked, context: context)  // (B, 1 + N, d)
    let stride = 1 + vision.slots
    let rows = vision.positions.map { ($0 / vision.slots) * stride + 1 + $0 % vision.slots }
    return try MaskedVisionModeling.losses(
      heads: heads, hidden: tokens.rows(atFlatPositions: rows), vision: vision,
      objectives: objectives)
  }

  /// ITM with in-batch hard negatives: for each text a negative image, for each image a negative
  /// text, drawn ∝ softmax of the student's ITC similarity with the diagonal at −inf; batch 1:2.
  private func matchingLoss(
    textHidden: Tensor, textMask: Tensor, duplicates: BatchDuplicates, imageTokens: Tensor,
    imageMask: Tensor?,
    contrastive: ContrastiveOutput, pairIndices: [Int], context: ForwardContext,
    random: inout RandomGenerator
  ) throws -> (itm: Tensor, wra: Tensor?) {
    let b = pairIndices.count
    func batchColumns(_ logits: Tensor) -> [Float] {
      let (rows, columns) = (logits.shape[0], logits.shape[1])
      let values = logits.scalars
      return (0..<rows).flatMap { r in values[r * columns..<r * columns + b] }
    }
    let negatives = ImageTextMatching.hardNegatives(
      textToImage: batchColumns(contrastive.textToImage),
      imageToText: batchColumns(contrastive.imageToText), batchSize: b,
      excluded: duplicates.isDuplicate, random: &random)
    let rows = (0..<b).map { ($0, $0) } + negatives.map { ($0.text, $0.image) }
    let textRows = IndexTensor(rows.map(\.0))
    let imageRows = IndexTensor(rows.map(\.1))
    let pairTextMask = try textMask.indexSelected(axis: 0, indices: textRows)
    let pairImage = try imageTokens.indexSelected(axis: 0, indices: imageRows)
    let pairImageMask = try imageMask?.indexSelected(axis: 0, indices: imageRows)
    let fused = try model.fuse(
      text: textHidden.indexSelected(axis: 0, indices: textRows), textMask: pairTextMask,
      image: pairImage, imageMask: pairImageMask, context: context)
    let labels = Array(repeating: 1, count: b) + Array(repeating: 0, count: negatives.count)
    let itm = try ImageTextMatching.loss(logits: model.matchingLogits(fused), labels: labels)
    guard objectives.wra > 0 else { return (itm, nil) }
    // UNITER aligns every word ([CLS] and [SEP] included) with every region; the image encoder's
    // own [CLS] is no region and is left out, as ViLT does.
    let items = pairImage.shape[1] - 1
    let distances = try WordRegionAlignment.distances(
      words: fused, regions: pairImage.sliced(axis: 1, range: 1..<items + 1),
      wordMask: pairTextMask, regionMask: pairImageMask?.sliced(axis: 1, range: 1..<items + 1))
    return (itm, try WordRegionAlignment.loss(distances: distances, labels: labels))
  }
}
