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
  /// The same scalars as TensorBoard event files (sessions/NAME/tensorboard/VARIANT/).
  let tensorBoard: TensorBoardLog
  /// Seconds of training (pauses excluded), continued across resumes.
  var time: Double = 0
  private(set) var resumedFrom: Int?
  private(set) var lastCheckpointStep: Int?
  private(set) var writable = true
  /// What the user should know about the resume (lines set aside), in the order it happened.
  private(set) var notices: [String] = []

  /// A watcher's step: the latest one logged by the process that trains the session.
  private var followedStep: Int?

  var step: Int { followedStep ?? variants[0].trainer.step }

  /// Builds every variant (sharing data between variants with the same data settings) and
  /// resumes from the latest step at which all variants have a checkpoint.
  ///
  /// `writable` false: a watcher of a session another process trains; it restores the latest
  /// checkpoint (for probes and projections) and touches no file. `progress` hears the loading
  /// of real data (the image cache); items skipped under `skipInvalid` are written to run.log,
  /// once each.
  init(
    folder: SessionFolder, definition: SessionDefinition, lockNotice: String? = nil,
    writable: Bool = true, progress: DataLoadingProgress? = nil
  ) throws {
    self.folder = folder
    self.definition = definition
    self.writable = writable
    store = CheckpointStore(folder: folder, keep: definition.checkpoints.keep)
    metricsLog = JSONLinesLog(url: folder.metricsFile)
    evaluationLog = JSONLinesLog(url: folder.evaluationFile)
    log = RunLog(url: folder.logFile)
    tensorBoard = TensorBoardLog(folder: folder.tensorBoardFolder)
    var cache = PretrainingDataCache(progress: progress?.handler)
    variants = try definition.variants.map { variant in
      Variant(
        name: variant.name,
        trainer: try Pretrainer(
          configuration: variant.configuration, data: cache.data(for: variant.configuration)))
    }
    for variant in variants { GradientFaultPoint.arm(variant.trainer, variant: variant.name) }
    guard writable else {
      try restoreCheckpoint(at: store.latestCommonStep(variants: variants.map(\.name)) ?? 0)
      return
    }
    if let lockNotice { log.write(lockNotice) }
    removeStaleTemporaries()
    let skipped = progress?.skipped ?? []
    for problem in skipped { log.write("skipped (data.skipInvalid): \(problem)") }
    if !skipped.isEmpty { log.write("skipped \(skipped.count) invalid items in all") }
    try resume()
    for variant in variants { variant.trainer.prefetchesBatches = true }
    tensorBoard.firstStep = step + 1
  }

  /// The temporaries of saves that a killed writer left (`.step-….safetensors.tmp-PID`); only
  /// the holder of the session's lock may do this, as no other writer can be mid-save.
  private func removeStaleTemporaries() {
    let folders = [folder.url] + variants.map { folder.checkpointFolder(variant: $0.name) }
    let removed = folders.flatMap { AtomicFile.removeStaleTemporaries(in: $0) }
    if !removed.isEmpty {
      log.write(
        "removed \(removed.count) temporary file(s) left by an interrupted save: "
          + removed.joined(separator: ", "))
    }
  }

  /// Restores every variant from its checkpoint at `step` (0: none).
  func restoreCheckpoint(at step: Int) throws {
    if step > 0 {
      for index in variants.indices {
        let url = store.url(variant: variants[index].name, step: step)
        let checkpoint = try TrainingCheckpoint.read(from: url)
        try checkpoint.checkFinite()
        try variants[index].trainer.restore(from: checkpoint)
        if let saved = checkpoint.extra[Self.variantKey], saved != variants[index].name {
          throw SessionError.variantMismatch(
            path: url.relativePath,
            detail: "holds variant '\(saved)', not '\(variants[index].name)'; move it aside")
        }
        time = Double(checkpoint.extra[Self.timeKey] ?? "") ?? time
        if checkpoint.config != variants[index].trainer.configurationJSON, writable {
          log.write(
            "note: variant \(variants[index].name)'s configuration differs from the one its "
              + "checkpoint at step \(step) was trained with (session.json or --set changed)")
        }
      }
      resumedFrom = step
      lastCheckpointStep = step
    }
  }

  /// Restores the latest common checkpoint and sets aside what the logs hold past its step
  /// (the resumed run logs those steps again, bit for bit).
  private func resume() throws {
    let names = variants.map(\.name)
    let step = store.latestCommonStep(variants: names) ?? 0
    try restoreCheckpoint(at: step)
    let metrics = try setAside(folder.metricsFile, after: step, as: MetricRecord.self)
    let evaluations = try setAside(folder.evaluationFile, after: step, as: EvaluationRecord.self)
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

  /// A log's records up to `step`; what resume set aside (records past it, a torn final line)
  /// is announced in run.log and `notices`.
  private func setAside<Record: SessionLogRecord>(_ url: URL, after step: Int, as type: Record.Type)
    throws -> [Record]
  {
    let (records, count) = try SessionLog.prepareForResume(url, checkpointStep: step, as: type)
    if count > 0 {
      let notice =
        "set aside \(count) line\(count == 1 ? "" : "s") of \(url.lastPathComponent) logged after "
        + "step \(step) (or cut off mid-line) in \(SessionLog.setAsideFile(for: url).relativePath)"
      notices.append(notice)
      log.write("note: " + notice)
    }
    return records
  }

  /// One step of every variant, all or none: every variant's losses and gradient are computed
  /// and checked before any variant's update is applied, so when one is not finite no variant
  /// steps and all stay at the last good step (their checkpoints too: a failed run saves none).
  /// Throws `TrainingError.nonFiniteLoss` or `.nonFiniteGradient` naming the variant.
  func trainStep(capturePseudoTargets: Bool, seconds: () -> Double) throws {
    var prepared: [PreparedStep] = []
    for index in variants.indices {
      do {
        prepared.append(
          try variants[index].trainer.prepareStep(capturePseudoTargets: capturePseudoTargets))
      } catch {
        for (earlier, step) in prepared.enumerated() { variants[earlier].trainer.discard(step) }
        throw naming(variants[index].name, in: error)
      }
    }
    for (index, step) in prepared.enumerated() {
      let report = try variants[index].trainer.apply(step)
      if let targets = report.pseudoTargets {
        variants[index].pseudoTargets = targets
        variants[index].pseudoTargetStep = report.step
      }
      let record = MetricRecord(report: report, variant: variants[index].name, time: seconds())
      variants[index].history.append(record)
      metricsLog.append(record.jsonLine)
      try tensorBoard.add(record)
    }
  }

  /// A tripwire error with the variant named, when the session has more than one.
  private func naming(_ variant: String, in error: any Error) -> any Error {
    guard variants.count > 1, let error = error as? TrainingError else { return error }
    switch error {
    case .nonFiniteLoss(let objective, let step, let value):
      return TrainingError.nonFiniteLoss(
        objective: "\(objective) (variant \(variant))", step: step, value: value)
    case .nonFiniteGradient(let parameter, let step, let norm, _):
      return TrainingError.nonFiniteGradient(
        parameter: parameter, step: step, norm: norm, variant: variant)
    case .invalidRequest:
      return error
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
      try tensorBoard.add(record)
      improved = noteEvaluation(record, at: index) || improved
      let summary = record.metrics.prefix(6).map { "\($0.name) \(String(format: "%.3f", $0.value))" }
      log.write("evaluated \(variants[index].name) at step \(step): " + summary.joined(separator: " "))
    }
    try evaluationLog.flush()
    try tensorBoard.flush()
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

  /// A watcher's update from the files another process writes: the records appended since the
  /// last call, or all of them after the writer cut its logs back (`replace`).
  func follow(
    metrics: [MetricRecord], evaluations: [EvaluationRecord], replace: Bool, time: Double?
  ) {
    for index in variants.indices {
      let name = variants[index].name
      if replace {
        variants[index].history = MetricHistory()
        variants[index].evaluations = []
        variants[index].bestRecall = nil
        variants[index].bestStep = nil
      }
      for record in metrics where record.variant == name { variants[index].history.append(record) }
      for record in evaluations where record.variant == name { noteEvaluation(record, at: index) }
    }
    followedStep = variants.compactMap(\.history.last?.step).min() ?? followedStep
    if let time { self.time = time }
  }

  func flush() throws {
    try metricsLog.flush()
    try evaluationLog.flush()
    try tensorBoard.flush()
  }
}
