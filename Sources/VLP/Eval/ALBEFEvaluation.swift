import NN
import Tensor

/// ALBEF on the held-out pairs: retrieval by ITC (re-ranked by ITM), MLM accuracy on fixed masks
/// and ITM accuracy on shifted-image negatives.
struct ALBEFEvaluation {
  let model: ALBEFModel
  let heldOut: HeldOutPairs
  var data: PretrainingData { heldOut.data }
  var configuration: PretrainingConfiguration { heldOut.configuration }

  /// Encoded held-out pairs: image tokens and mask, text states and mask, both ITC embeddings.
  struct ALBEFEncoded {
    var imageTokens: Tensor
    var imageMask: Tensor?
    var text: TextInputs
    var textHidden: Tensor
    var imageEmbeddings: Tensor
    var textEmbeddings: Tensor
  }

  func encode(_ indices: [Int]) throws -> ALBEFEncoded {
    let context = ForwardContext.inference()
    let text = try TextInputs(sequences: data.captionSequences(indices), padID: data.vocabulary.padID)
    var tokens: [Tensor] = []
    var masks: [Tensor] = []
    var hidden: [Tensor] = []
    for range in chunkRanges(indices.count, size: 128) {
      let image = try model.encodeImage(data.imageInputs(Array(indices[range])), context: context)
      tokens.append(image.tokens)
      if let mask = image.mask { masks.append(mask) }
      let rows = IndexTensor(Array(range))
      hidden.append(
        try model.encodeText(
          text.ids.rows(Array(range)), mask: text.mask.indexSelected(axis: 0, indices: rows),
          context: context))
    }
    let imageTokens = try Tensor.concatenate(tokens, axis: 0)
    let textHidden = try Tensor.concatenate(hidden, axis: 0)
    return ALBEFEncoded(
      imageTokens: imageTokens, imageMask: masks.isEmpty ? nil : try Tensor.concatenate(masks, axis: 0),
      text: text, textHidden: textHidden, imageEmbeddings: try model.imageEmbedding(imageTokens),
      textEmbeddings: try model.textEmbedding(textHidden))
  }

  /// ITM log-odds of "matched" (logit 1 − logit 0) for (text, image) index pairs into `encoded`.
  func matchingScores(
    _ pairs: [(text: Int, image: Int)], encoded: ALBEFEncoded
  ) throws -> [Float] {
    var scores: [Float] = []
    for range in chunkRanges(pairs.count, size: 256) {
      let texts = IndexTensor(pairs[range].map(\.text))
      let images = IndexTensor(pairs[range].map(\.image))
      let fused = try model.fuse(
        text: encoded.textHidden.indexSelected(axis: 0, indices: texts),
        textMask: encoded.text.mask.indexSelected(axis: 0, indices: texts),
        image: encoded.imageTokens.indexSelected(axis: 0, indices: images),
        imageMask: encoded.imageMask?.indexSelected(axis: 0, indices: images),
        context: .inference())
      let logits = try model.matchingLogits(fused).scalars
      scores += (0..<range.count).map { logits[$0 * 2 + 1] - logits[$0 * 2] }
    }
    return scores
  }

  func report(step: Int) throws -> EvaluationReport {
    let indices = heldOut.retrievalIndices
    let n = indices.count
    let encoded = try encode(indices)
    let similarity = try Tensor.matmul(
      encoded.imageEmbeddings, encoded.textEmbeddings, transposeB: true
    ).scalars  // (N images, N texts)
    let k = min(configuration.evaluation.rerank, n)
    var scores = (imageToText: similarity, textToImage: similarity)
    var contrastive: RetrievalScores?
    if k > 0 {
      scores = try rerankByMatching(similarity, count: n, k: k, encoded: encoded)
      contrastive = RetrievalMetrics.compute(
        imageToText: similarity, textToImage: similarity, count: n,
        isMatch: heldOut.captionsMatch(indices))
    }
    let retrieval = RetrievalMetrics.compute(
      imageToText: scores.imageToText, textToImage: scores.textToImage, count: n,
      isMatch: heldOut.captionsMatch(indices))

    // MLM and ITM accuracy on fixed masks and shifted-image negatives.
    let accuracy = heldOut.accuracyIndices
    var random = RandomGenerator(seed: heldOut.evaluationSeed)
    let batch = try data.albefBatch(
      accuracy, maskProbability: configuration.objectives.maskProbability, random: &random)
    let context = ForwardContext.inference()
    let held = try encode(accuracy)  // its image tokens serve MLM and ITM
    let masked = try model.encodeText(batch.maskedIDs, mask: batch.text.mask, context: context)
    let fused = try model.fuse(
      text: masked, textMask: batch.text.mask, image: held.imageTokens, imageMask: held.imageMask,
      context: context)
    let logits = try model.maskedTokenLogits(fused, positions: batch.masked.positions)
    let counts = TokenAccuracy.counts(
      logits: logits.scalars, classes: data.vocabularySize, targets: batch.masked.targets)
    let m = accuracy.count
    let positives = (0..<m).map { (text: $0, image: $0) }
    let negatives = (0..<m).map { (text: $0, image: ($0 + 1) % m) }
    let matchScores = try matchingScores(positives + negatives, encoded: held)
    let matches = heldOut.captionsMatch(accuracy)
    var correct = 0
    for (row, score) in matchScores.enumerated() {
      let pair = row < m ? positives[row] : negatives[row - m]
      // A shifted "negative" whose caption equals the image's own is in truth a positive.
      if (score > 0) == matches(pair.image, pair.text) { correct += 1 }
    }
    let rows = max(1, batch.masked.targets.count)
    return EvaluationReport(
      step: step, retrievalPairs: n, retrieval: retrieval,
      retrievalScore: rerankLabel(k),
      mlmTop1: Float(counts.top1) / Float(rows), mlmTop5: Float(counts.top5) / Float(rows),
      itmAccuracy: Float(correct) / Float(2 * m), pollutedTagAccuracy: nil,
      contrastiveRetrieval: contrastive)
  }

  /// "itc", or "itc+itm(k)" with the re-ranking score named when it is not ITM alone.
  func rerankLabel(_ k: Int) -> String {
    guard k > 0 else { return "itc" }
    let score = configuration.evaluation.rerankScore
    return score == .itm ? "itc+itm(\(k))" : "itc+itm(\(k), \(score.rawValue))"
  }

  /// ALBEF's retrieval: the top k candidates by ITC are re-scored by the ITM head (or ITM plus
  /// ITC, as BLIP does: `evaluation.rerankScore`) and ranked above all others (evaluation in
  /// ALBEF's Retrieval.py and BLIP's train_retrieval.py).
  func rerankByMatching(
    _ similarity: [Float], count n: Int, k: Int, encoded: ALBEFEncoded
  ) throws -> (imageToText: [Float], textToImage: [Float]) {
    func top(_ values: [Float]) -> [Int] {
      values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
        .prefix(k).map { $0 }
    }
    var pairs: [(text: Int, image: Int)] = []
    for image in 0..<n {
      for text in top((0..<n).map { similarity[image * n + $0] }) { pairs.append((text, image)) }
    }
    var textQueries: [(text: Int, image: Int)] = []
    for text in 0..<n {
      for image in top((0..<n).map { similarity[$0 * n + text] }) { textQueries.append((text, image)) }
    }
    let rule = configuration.evaluation.rerankScore
    let temperature = model.temperature.scalars[0]
    func rescored(_ pairs: [(text: Int, image: Int)]) throws -> [Float] {
      zip(pairs, try matchingScores(pairs, encoded: encoded)).map { pair, matching in
        rule.combined(
          matching: matching, similarity: similarity[pair.image * n + pair.text],
          temperature: temperature)
      }
    }
    let imageScores = try rescored(pairs)
    let textScores = try rescored(textQueries)
    // Image queries re-rank rows, text queries columns: two matrices. Candidates outside the top
    // k sit below every re-scored one (ALBEF fills them with −100).
    var imageToText = [Float](repeating: -1e4, count: n * n)
    for (pair, score) in zip(pairs, imageScores) { imageToText[pair.image * n + pair.text] = score }
    var textToImage = [Float](repeating: -1e4, count: n * n)
    for (pair, score) in zip(textQueries, textScores) { textToImage[pair.image * n + pair.text] = score }
    return (imageToText, textToImage)
  }
}

extension IndexTensor {
  /// Rows of a (B, T) index tensor.
  func rows(_ rows: [Int]) throws -> IndexTensor {
    let width = shape[1]
    return try IndexTensor(
      shape: [rows.count, width], values: rows.flatMap { values[$0 * width..<($0 + 1) * width] })
  }
}
