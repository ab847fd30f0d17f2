import Foundation
import NN
import VLP

/// A session's variants being trained, owned by the engine's thread: the trainers, the logs,
/// the checkpoints. Variants step in lockstep, so they are always at the same step.
final class SessionRun {
  struct Variant {
    var name: String
    var trainer: Pretrainer
    var history = MetricHistory()
    var evaluations: [EvaluationRecord] = []
    var bestStep: Int?
    var bestRecall: Float?
    var pseudoTargets: PseudoTargets?
    var pseudoTargetStep = 0
  }

  /// Checkpoint metadata: the variant's name and the seconds trained so far.
  static let variantKey = "engine.variant"
  static let timeKey = "engine.time"

  let folder: SessionFolder
  let definition: SessionDefinition
  private(set) var variants: [Variant]
  let store: CheckpointStore
  let metricsLog: JSONLinesLog
  let evaluationLog: JSONLinesLog
  let log: RunLog
  /// Seconds of training (pauses excluded), continued across resumes.
  var time: Double = 0
  private(set) var resumedFrom: Int?
  private(set) var lastCheckpointStep: Int?

  var step: Int { variants[0].trainer.step }

  /// Builds every variant (sharing data between variants with the same data settings) and
  /// resumes from the latest step at which all variants have a checkpoint.
  /// `progress` hears the loading of real data (the image cache); items skipped under
  /// `skipInvalid` are written to run.log, once each.
  init(folder: SessionFolder, definition: SessionDefinition, progress: DataLoadingProgress? = nil)
    throws
  {
    self.folder = folder
    self.definition = definition
    store = CheckpointStore(folder: folder, keep: definition.checkpoints.keep)
    metricsLog = JSONLinesLog(url: folder.metricsFile)
    evaluationLog = JSONLinesLog(url: folder.evaluationFile)
    log = RunLog(url: folder.logFile)
    var cache = PretrainingDataCache(progress: progress?.handler)
    variants = try definition.variants.map { variant in
      Variant(
        name: variant.name,
        trainer: try Pretrainer(
          configuration: variant.configuration, data: cache.data(for: variant.configuration)))
    }
    let skipped = progress?.skipped ?? []
    for problem in skipped { log.write("skipped (data.skipInvalid): \(problem)") }
    if !skipped.isEmpty { log.write("skipped \(skipped.count) invalid items in all") }
    try resume()
  }

  /// Restores the latest common checkpoint and cuts the logs back to its step (what was
  /// logged after it is replayed, bit for bit, by the resumed run).
  private func resume() throws {
    let names = variants.map(\.name)
    let step = store.latestCommonStep(variants: names) ?? 0
    if step > 0 {
      for index in variants.indices {
        let url = store.url(variant: variants[index].name, step: step)
        let checkpoint = try TrainingCheckpoint.read(from: url)
        try variants[index].trainer.restore(from: checkpoint)
        if let saved = checkpoint.extra[Self.variantKey], saved != variants[index].name {
          throw SessionError.variantMismatch(
            path: url.relativePath,
            detail: "holds variant '\(saved)', not '\(variants[index].name)'; move it aside")
        }
        time = Double(checkpoint.extra[Self.timeKey] ?? "") ?? time
        if checkpoint.config != variants[index].trainer.configurationJSON {
          log.write(
            "note: variant \(variants[index].name)'s configuration differs from the one its "
              + "checkpoint at step \(step) was trained with (session.json or --set changed)")
        }
      }
      resumedFrom = step
      lastCheckpointStep = step
    }
    func keep(_ line: String) -> Bool {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let recorded = object["step"] as? Int
      else { return false }
      return recorded <= step
    }
    try JSONLinesLog.rewrite(folder.metricsFile, keeping: keep)
    try JSONLinesLog.rewrite(folder.evaluationFile, keeping: keep)
    let metrics = try JSONLinesLog.records(of: folder.metricsFile, MetricRecord.init)
    let evaluations = try JSONLinesLog.records(of: folder.evaluationFile, EvaluationRecord.init)
    for index in variants.indices {
      let name = variants[index].name
      variants[index].history = MetricHistory(metrics.filter { $0.variant == name })
      for record in evaluations where record.variant == name { noteEvaluation(record, at: index) }
    }
    log.write(
      step > 0
        ? "resumed \(folder.name) at step \(step) (\(names.joined(separator: ", ")))"
        : "started \(folder.name) (\(names.joined(separator: ", ")))")
  }

  /// One step of every variant. Throws `TrainingError.nonFiniteLoss` naming the variant.
  func trainStep(capturePseudoTargets: Bool, seconds: () -> Double) throws {
    for index in variants.indices {
      let report: StepReport
      do {
        report = try variants[index].trainer.trainStep(capturePseudoTargets: capturePseudoTargets)
      } catch let TrainingError.nonFiniteLoss(objective, step, value) {
        throw TrainingError.nonFiniteLoss(
          objective: variants.count > 1 ? "\(objective) (variant \(variants[index].name))" : objective,
          step: step, value: value)
      }
      if let targets = report.pseudoTargets {
        variants[index].pseudoTargets = targets
        variants[index].pseudoTargetStep = report.step
      }
      let record = MetricRecord(report: report, variant: variants[index].name, time: seconds())
      variants[index].history.append(record)
      metricsLog.append(record.jsonLine)
    }
  }

  /// Evaluates every variant on the held-out split; returns whether any improved its best.
  @discardableResult
  func evaluate() throws -> Bool {
    var improved = false
    for index in variants.indices {
      let report = try variants[index].trainer.evaluate()
      let record = EvaluationRecord(report: report, variant: variants[index].name, time: time)
      evaluationLog.append(record.jsonLine)
      improved = noteEvaluation(record, at: index) || improved
      let summary = record.metrics.prefix(6).map { "\($0.name) \(String(format: "%.3f", $0.value))" }
      log.write("evaluated \(variants[index].name) at step \(step): " + summary.joined(separator: " "))
    }
    try evaluationLog.flush()
    return improved
  }

  @discardableResult
  private func noteEvaluation(_ record: EvaluationRecord, at index: Int) -> Bool {
    variants[index].evaluations.append(record)
    guard let recall = record.meanRecall else { return false }
    if let best = variants[index].bestRecall, best >= recall { return false }
    variants[index].bestRecall = recall
    variants[index].bestStep = record.step
    return true
  }

  /// Saves every variant at the current step (unless already saved) and prunes old ones.
  func saveCheckpoints() throws {
    guard step > 0, lastCheckpointStep != step else { return }
    try flush()
    for variant in variants {
      let checkpoint = variant.trainer.checkpoint(extra: [
        Self.variantKey: variant.name, Self.timeKey: String(format: "%.3f", time),
      ])
      try store.save(checkpoint, variant: variant.name)
    }
    lastCheckpointStep = step
    for variant in variants {
      store.prune(variant: variant.name, protected: Set([variant.bestStep].compactMap { $0 }))
    }
    log.write("saved checkpoints at step \(step) in \(folder.checkpointsFolder.relativePath)/")
  }

  func flush() throws {
    try metricsLog.flush()
    try evaluationLog.flush()
  }
}
