import NN
import Tensor

/// Where the model looks (issue 18): for ALBEF, Grad-CAM or the raw map of one fusion
/// cross-attention layer, text to image tokens; for Oscar, each word's self-attention to the
/// regions and the tags in one layer. Computed from the current weights without dropout, between
/// steps (as `MaskedWordProbe`), for the student or ALBEF's momentum model.
public struct AttentionMapProbe {
  let model: TrainedModel
  let momentumModel: ALBEFModel?
  let data: PretrainingData
  let configuration: PretrainingConfiguration

  init(
    model: TrainedModel, momentumModel: ALBEFModel?, data: PretrainingData,
    configuration: PretrainingConfiguration
  ) {
    (self.model, self.momentumModel, self.data, self.configuration) =
      (model, momentumModel, data, configuration)
  }

  /// Layers a map can be taken from: ALBEF's fusion layers, Oscar's encoder layers.
  public var layerCount: Int {
    switch model {
    case .albef: configuration.model.fusionLayers
    case .oscar: configuration.model.layers
    }
  }

  /// ALBEF's notebook and Grounding.py take block 8 of BERT-base, the third of its six fusion
  /// layers, half way up the fusion; with L fusion layers that is layer ceil(L/2) (1-based), so
  /// the 0-based index (L + 1) / 2 - 1: 2 of 6, 0 of 1 or 2, 1 of 4.
  public static func defaultLayer(layerCount: Int) -> Int { max(0, (layerCount + 1) / 2 - 1) }

  public var defaultLayer: Int { Self.defaultLayer(layerCount: layerCount) }

  /// Why per-word Grad-CAM is refused in the last fusion layer (`AttentionMap.wordMapsWithheld`).
  static func lastLayerWithheld(layer: Int, layerCount: Int) -> String {
    let fix =
      layerCount > 1
      ? "take a fusion layer below it (1-\(layerCount - 1)) or the raw attention"
      : "this model has one fusion layer: train a session with model.fusionLayers >= 2 for "
        + "per-word Grad-CAM, or take the raw attention"
    return "no per-word Grad-CAM in fusion layer \(layer + 1) of \(layerCount): it is the last, "
      + "where only [CLS]'s row reaches the ITM head, so every word's map is 0; \(fix)"
  }

  public func map(_ request: AttentionMapRequest) throws -> AttentionMap {
    let layer = request.layer ?? defaultLayer
    guard layer >= 0, layer < layerCount else {
      throw TrainingError.invalidRequest(
        "layer \(layer + 1) does not exist: the model has \(layerCount) (use 1-\(layerCount))")
    }
    guard request.pairIndex >= 0, request.pairIndex < data.corpus.count else {
      throw TrainingError.invalidRequest(
        "pair \(request.pairIndex) does not exist: the data has \(data.corpus.count) pairs")
    }
    let spans = MaskedWordProbe(model: model, data: data, configuration: configuration)
      .captionWordSpans(of: request.pairIndex)
    switch model {
    case .albef(let student):
      var target = student
      if request.momentum {
        guard let momentumModel else {
          throw TrainingError.invalidRequest("this run keeps no momentum model")
        }
        target = momentumModel
      }
      return try albefMap(target, request, layer: layer, spans: spans)
    case .oscar(let oscar):
      guard request.method == .raw, !request.momentum else {
        throw TrainingError.invalidRequest(
          "Oscar has no ITM head and no momentum model: its maps are raw self-attention (--raw)")
      }
      return try oscarMap(oscar, request, layer: layer, spans: spans)
    }
  }

  private func albefMap(
    _ model: ALBEFModel, _ request: AttentionMapRequest, layer: Int,
    spans: [(word: String, tokens: Range<Int>)]
  ) throws -> AttentionMap {
    guard let attention = model.fusionEncoder.layers[layer].crossAttention else {
      throw TrainingError.invalidRequest("fusion layer \(layer + 1) has no cross-attention")
    }
    let gradCAM = request.method == .gradCAM
    let recorder = AttentionRecorder(recordsGradient: gradCAM)
    attention.recorder = recorder
    defer {
      attention.recorder = nil
      if gradCAM { model.zeroGradients() }
    }
    let index = request.pairIndex
    let context = ForwardContext.inference()
    func forward() throws -> Tensor {
      let text = try TextInputs(sequences: data.captionSequences([index]), padID: data.vocabulary.padID)
      let image = try model.encodeImage(data.imageInputs([index]), context: context)
      let hidden = try model.encodeText(text.ids, mask: text.mask, context: context)
      let fused = try model.fuse(
        text: hidden, textMask: text.mask, image: image.tokens, imageMask: image.mask,
        context: context)
      return try model.matchingLogits(fused)  // (1, 2)
    }
    if gradCAM {
      // S = the "match" logit (column 1), as `output[:,1].sum()` in the notebook.
      try forward().sliced(axis: 1, range: 1..<2).sum().backward()
    } else {
      _ = try noGrad { try forward() }
    }
    guard let probabilities = recorder.probabilities else {
      throw TrainingError.invalidRequest("the fusion layer recorded no attention")
    }
    let gradients = gradCAM ? recorder.gradient?.scalars : nil
    if gradCAM && gradients == nil {
      throw TrainingError.invalidRequest("the ITM score does not depend on fusion layer \(layer + 1)")
    }
    let (heads, queries, keys) = (
      probabilities.shape[1], probabilities.shape[2], probabilities.shape[3]
    )  // (1, H, T, 1 + N)
    let layout = try imageLayout(index, tokens: keys - 1)
    let keyRange = 1..<1 + layout.tokenCount
    var map = AttentionMap(
      pairIndex: index, method: request.method, layer: layer, layerCount: layerCount,
      momentum: request.momentum, words: spans.map(\.word),
      wordMaps: GradCAM.wordMaps(
        probabilities: probabilities.scalars, gradients: gradients, heads: heads,
        queryCount: queries, keyCount: keys, tokenRows: spans.map { $0.tokens.shifted(by: 1) },
        keys: keyRange),
      layout: layout)
    // The ITM head reads fused [CLS] only, so in the last fusion layer no word's row reaches it:
    // every word's Grad-CAM is 0 there by construction. The caption's map is [CLS]'s own row.
    if gradCAM && layer == layerCount - 1 {
      map.wordMapsWithheld = Self.lastLayerWithheld(layer: layer, layerCount: layerCount)
      map.captionMap = GradCAM.rows(
        probabilities: probabilities.scalars, gradients: gradients, heads: heads,
        queryCount: queries, keyCount: keys, queries: [0], keys: keyRange)[0]
      map.note = "whole caption: [CLS]'s Grad-CAM (fusion layer \(layer + 1) of \(layerCount) is the last)"
    }
    return map
  }

  private func oscarMap(
    _ model: OscarModel, _ request: AttentionMapRequest, layer: Int,
    spans: [(word: String, tokens: Range<Int>)]
  ) throws -> AttentionMap {
    let attention = model.encoder.layers[layer].attention
    let recorder = AttentionRecorder(recordsGradient: false)
    attention.recorder = recorder
    defer { attention.recorder = nil }
    let index = request.pairIndex
    var random = RandomGenerator(seed: 0)
    let batch = try data.oscarBatch(
      [index], pollution: 0, maskProbability: 0, source: [index], random: &random)
    try noGrad {
      _ = try model(
        ids: batch.text.ids, segments: batch.segments, textMask: batch.text.mask,
        regions: batch.regions, regionMask: batch.regionMask, context: ForwardContext.inference())
    }
    guard let probabilities = recorder.probabilities else {
      throw TrainingError.invalidRequest("the encoder layer recorded no attention")
    }
    let (heads, length) = (probabilities.shape[1], probabilities.shape[2])  // (1, H, T + R, T + R)
    let textLength = batch.text.length
    let regionCount = Int(batch.regionMask.scalars.reduce(0, +))
    let layout = try imageLayout(index, tokens: regionCount)
    // Tags: segment-1 tokens before the final [SEP].
    let ids = batch.text.ids.values
    let tagPositions = (0..<textLength).filter {
      batch.segments.values[$0] == 1 && batch.text.mask.scalars[$0] > 0
        && ids[$0] != data.vocabulary.separatorID
    }
    let rows = spans.map { $0.tokens.shifted(by: 1) }
    let weights = GradCAM.wordMaps(
      probabilities: probabilities.scalars, gradients: nil, heads: heads, queryCount: length,
      keyCount: length, tokenRows: rows, keys: 0..<length)
    return AttentionMap(
      pairIndex: index, method: .raw, layer: layer, layerCount: layerCount, momentum: false,
      words: spans.map(\.word),
      wordMaps: weights.map { Array($0[textLength..<textLength + layout.tokenCount]) },
      layout: layout, tags: tagPositions.map { data.vocabulary.tokens[ids[$0]] },
      wordTagWeights: weights.map { row in tagPositions.map { row[$0] } })
  }

  /// The patch grid, or the boxes of the first `tokens` regions (their last six inputs are
  /// x1, y1, x2, y2, w, h of the image).
  private func imageLayout(_ index: Int, tokens: Int) throws -> ImageTokenLayout {
    let c = configuration.model
    if case .albef = model, c.imageInput == .patches {
      let side = c.imageSize / c.patchSize
      return .patches(columns: side, rows: side)
    }
    let regions = try data.corpus.regions(index, distributions: false)
    let width = data.regionInputSize
    let count = min(tokens, regions.count)
    return .regions(
      (0..<count).map { r in
        let box = regions.inputs[(r * width + width - 6)..<(r * width + width - 2)].map { $0 }
        return BoundingBox(x1: box[0], y1: box[1], x2: box[2], y2: box[3]).clamped
      })
  }
}

extension Range<Int> {
  fileprivate func shifted(by offset: Int) -> Range<Int> { lowerBound + offset..<upperBound + offset }
}
