import Foundation
import NN
import Tensor
import VLP

/// The training thread's side of `TrainingEngine`: owns the `SessionRun` and every model in it,
/// takes the UI's requests between steps and publishes a snapshot after each.
final class TrainingLoop {
  let engine: TrainingEngine
  var state = EngineState.loading
  let target: Int
  var evaluationEvery: Int
  let checkpointEvery: Int
  var rate = RateMeter()
  var lastCapture = Date.distantPast
  var lastFlush = Date()
  var probe: ProbeResult?
  var projection: ProjectionJob?
  /// The checkpoint step whose features were last placed into the map (or laid out).
  var followedStep: Int?
  var referenceLevels: [[ReferenceLevel]] = []
  var dataViews: [SessionDataView] = []

  init(engine: TrainingEngine) {
    self.engine = engine
    let first = engine.definition.variants[0].configuration
    target = engine.options.targetStep ?? first.training.steps
    evaluationEvery = first.evaluation.every
    checkpointEvery = engine.definition.checkpoints.every
  }

  func run() {
    // The thread count belongs to this run (its thread), never to the whole process.
    ComputeSettings.withThreadCount(engine.options.threads ?? ComputeSettings.threadCount) {
      if let holder = engine.options.watching { watchLoop(trainedBy: holder) } else { runLoop() }
    }
  }

  /// Builds the session's run (a watcher's touches no file), or publishes why it cannot.
  func openRun(writable: Bool) -> SessionRun? {
    do {
      let engine = engine
      let progress = DataLoadingProgress { engine.publishMessage($0) }
      let run = try SessionRun(
        folder: engine.folder, definition: engine.definition, lockNotice: engine.lockNotice,
        writable: writable, progress: progress)
      referenceLevels = run.variants.map(\.trainer.referenceLevels)
      dataViews = run.variants.map { SessionDataView($0.trainer.data) }
      return run
    } catch {
      state = .failed("\(error)")
      engine.publishFailure("\(error)")
      return nil
    }
  }

  private func runLoop() {
    guard let run = openRun(writable: true) else { return }
    state = run.step >= target ? .finished : .paused
    publish(run)
    while true {
      let requests = engine.takeRequests(canTrain: canTrain(run), timeout: 1)
      if requests.stop { break }
      handle(requests, run)
      if canTrain(run) && (requests.running || requests.pendingSteps > 0) {
        trainOneStep(run, paused: !requests.running)
      } else if !isFailed {
        state = run.step >= target ? .finished : .paused
        rate.reset()
      }
      if Date().timeIntervalSince(lastFlush) >= 1 { flush(run) }
      publish(run)
    }
    finish(run)
  }

  var isFailed: Bool {
    if case .failed = state { return true }
    return false
  }

  func canTrain(_ run: SessionRun) -> Bool { run.step < target && !isFailed }

  func trainOneStep(_ run: SessionRun, paused: Bool) {
    let begin = Date()
    let capture = begin.timeIntervalSince(lastCapture) >= engine.options.pseudoTargetInterval
    do {
      let base = run.time
      try run.trainStep(capturePseudoTargets: capture) { base + Date().timeIntervalSince(begin) }
      FaultPoint.reach("step")
      if capture { lastCapture = begin }
      let step = run.step
      var improved = false
      if evaluationEvery > 0 && step % evaluationEvery == 0 { improved = try run.evaluate() }
      let reached = step >= target
      if reached && engine.options.evaluateAtEnd && run.variants[0].evaluations.last?.step != step {
        improved = try run.evaluate() || improved
      }
      run.time = base + Date().timeIntervalSince(begin)
      if improved || reached || (checkpointEvery > 0 && step % checkpointEvery == 0) {
        try run.saveCheckpoints()
      }
      if reached { run.log.write("reached the target step \(step)") }
      if run.lastCheckpointStep == step { followCheckpoint(run) }
      state = reached ? .finished : (paused ? .paused : .running)
      rate.record(step: step, at: Date())
    } catch {
      run.time += Date().timeIntervalSince(begin)
      fail(error, run)
    }
  }

  func fail(_ error: any Error, _ run: SessionRun) {
    let kept = run.lastCheckpointStep.map { "the last good checkpoint is step \($0)" } ?? "no checkpoint was saved"
    let message = "stopped at step \(run.step): \(error) (\(kept))"
    state = .failed(message)
    run.log.write("error: " + message)
    flush(run)
  }

  func handle(_ requests: TrainingEngine.Requests, _ run: SessionRun) {
    if let every = requests.evaluationEvery {
      evaluationEvery = every
      run.log.write("evaluation every \(every) steps")
    }
    if requests.evaluate && !isFailed {
      do {
        if try run.evaluate() { try run.saveCheckpoints() }
      } catch {
        fail(error, run)
      }
    }
    if let request = requests.probe { answer(request, run) }
    if let request = requests.attention { answerAttention(request, run) }
    if let request = requests.projection {
      startProjection(id: request.id, kind: request.kind, mode: request.mode, run)
    }
  }

  func answer(
    _ request: (id: Int, variant: String, pairIndex: Int, maskedWords: Set<Int>), _ run: SessionRun
  ) {
    guard let variant = run.variants.first(where: { $0.name == request.variant }) else {
      run.log.write("probe: no variant '\(request.variant)'")
      return
    }
    do {
      let trainer = variant.trainer
      probe = ProbeResult(
        request: request.id, variant: variant.name, pairIndex: request.pairIndex, step: run.step,
        words: trainer.captionWords(of: request.pairIndex), maskedWords: request.maskedWords,
        predictions: try trainer.predictMaskedWords(
          pairIndex: request.pairIndex, maskedWords: request.maskedWords),
        generatedCaption: try trainer.generateCaption(pairIndex: request.pairIndex))
    } catch {
      run.log.write("probe failed: \(error)")
    }
  }

  func flush(_ run: SessionRun) {
    lastFlush = Date()
    do {
      try run.flush()
    } catch {
      if !isFailed { fail(error, run) }
    }
  }

  /// On stop: save (unless the run failed: its last good checkpoint stays the latest) and flush.
  func finish(_ run: SessionRun) {
    projection?.cancel()
    if !isFailed {
      do {
        try run.saveCheckpoints()
        state = .stopped
        run.log.write("stopped at step \(run.step)")
      } catch {
        fail(error, run)
      }
    }
    flush(run)
    publish(run)
  }

  func publish(_ run: SessionRun, message: String? = nil) {
    let state = self.state
    let target = self.target
    let every = evaluationEvery
    let rate = self.rate.stepsPerSecond
    let levels = referenceLevels
    let views = dataViews
    let probe = self.probe
    engine.publish(
      EngineSnapshot(
        session: run.folder.name, description: run.definition.description, state: state,
        step: run.step, targetStep: target, stepsPerSecond: rate, elapsed: run.time,
        variants: run.variants.enumerated().map { index, variant in
          VariantSnapshot(
            name: variant.name, configuration: variant.trainer.configuration,
            history: variant.history, evaluations: variant.evaluations, bestStep: variant.bestStep,
            pseudoTargets: variant.pseudoTargets, pseudoTargetStep: variant.pseudoTargetStep,
            referenceLevels: levels[index], data: views[index])
        },
        evaluationEvery: every, resumedFrom: run.resumedFrom,
        lastCheckpointStep: run.lastCheckpointStep, message: message ?? run.log.lastLine, probe: probe,
        projection: nil, generation: 0, notices: run.notices))
  }
}

/// Steps per second over the last steps; reset on pauses so a wait does not count.
struct RateMeter {
  private var times: [(step: Int, time: Date)] = []

  mutating func record(step: Int, at time: Date) {
    times.append((step, time))
    if times.count > 20 { times.removeFirst(times.count - 20) }
  }

  mutating func reset() { times.removeAll() }

  var stepsPerSecond: Double {
    guard let first = times.first, let last = times.last, last.step > first.step else { return 0 }
    let seconds = last.time.timeIntervalSince(first.time)
    return seconds > 0 ? Double(last.step - first.step) / seconds : 0
  }
}
