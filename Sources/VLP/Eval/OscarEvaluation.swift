import Foundation
import NN
import Tensor

/// Oscar on the held-out pairs: retrieval by the polluted-tag head's matching score, MLM accuracy
/// on matched triples and polluted-tag accuracy on a half-polluted batch.
struct OscarEvaluation {
  let model: OscarModel
  let heldOut: HeldOutPairs
  var data: PretrainingData { heldOut.data }
  var configuration: PretrainingConfiguration { heldOut.configuration }

  /// Oscar's matching score of (caption of `text`, tags and regions of `image`): the log-odds of
  /// "matched" against every polluted class of the head (logit 0 − logsumexp of the others; with
  /// 2 classes, logit 0 − logit 1), over every pair (N² forward sequences, in chunks). Log-odds,
  /// not log p, so that confident matches do not saturate into ties.
  func matchingScores(_ indices: [Int]) throws -> [Float] {
    let n = indices.count
    let pairs = (0..<n).flatMap { image in (0..<n).map { text in (image, text) } }
    var scores: [Float] = []
    var random = RandomGenerator(seed: heldOut.evaluationSeed)
    for range in chunkRanges(pairs.count, size: 256) {
      let chunk = pairs[range]
      let texts = chunk.map { (a: data.captionText(indices[$0.1]), b: data.tagText(indices[$0.0])) }
      let batch = try data.oscarBatch(
        chunk.map { indices[$0.0] }, pollution: 0, maskProbability: 0, source: indices,
        random: &random, texts: texts)
      let hidden = try model(
        ids: batch.text.ids, segments: batch.segments, textMask: batch.text.mask,
        regions: batch.regions, regionMask: batch.regionMask, context: .inference())
      let logits = try model.contrastiveLogits(hidden)
      let classes = logits.shape[1]
      let values = logits.scalars
      scores += (0..<chunk.count).map { row in
        let polluted = values[row * classes + 1..<(row + 1) * classes]
        let highest = polluted.max()!
        let total = polluted.reduce(Float(0)) { $0 + Foundation.exp($1 - highest) }
        return values[row * classes] - highest - Foundation.log(total)
      }
    }
    return scores
  }

  func report(step: Int) throws -> EvaluationReport {
    let indices = heldOut.retrievalIndices
    let scores = try matchingScores(indices)
    let retrieval = RetrievalMetrics.compute(
      scores: scores, count: indices.count, isMatch: heldOut.captionsMatch(indices))

    // MLM accuracy on matched triples, polluted-tag accuracy on a 50% polluted batch.
    let accuracy = heldOut.accuracyIndices
    let objectives = configuration.objectives
    var random = RandomGenerator(seed: heldOut.evaluationSeed)
    let matched = try data.oscarBatch(
      accuracy, pollution: 0, maskProbability: objectives.maskProbability, source: data.testIndices,
      random: &random)
    let hidden = try model(
      ids: matched.maskedIDs, segments: matched.segments, textMask: matched.text.mask,
      regions: matched.regions, regionMask: matched.regionMask, context: .inference())
    let logits = try model.maskedTokenLogits(hidden, positions: matched.sequencePositions)
    let counts = TokenAccuracy.counts(
      logits: logits.scalars, classes: data.vocabularySize, targets: matched.masked.targets)
    let polluted = try data.oscarBatch(
      accuracy, pollution: 0.5, captionPollution: objectives.captionPollutionProbability,
      untagged: objectives.untaggedPollution, maskProbability: 0, source: data.testIndices, random: &random)
    let pollutedHidden = try model(
      ids: polluted.text.ids, segments: polluted.segments, textMask: polluted.text.mask,
      regions: polluted.regions, regionMask: polluted.regionMask, context: .inference())
    let predictions = try model.contrastiveLogits(pollutedHidden).argmax(axis: 1).values
    let correct = zip(predictions, polluted.labels).filter { $0 == $1 }.count
    let rows = max(1, matched.masked.targets.count)
    return EvaluationReport(
      step: step, retrievalPairs: indices.count, retrieval: retrieval, retrievalScore: "matching",
      mlmTop1: Float(counts.top1) / Float(rows), mlmTop5: Float(counts.top5) / Float(rows),
      itmAccuracy: nil, pollutedTagAccuracy: Float(correct) / Float(accuracy.count))
  }
}
