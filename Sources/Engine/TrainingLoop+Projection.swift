import Foundation
import VLP

/// The training thread's side of projections: it takes the features (the model is its own),
/// then hands them to a `ProjectionJob` thread, so training goes on while t-SNE runs.
extension TrainingLoop {
  /// A request from the interface: a new layout, or a placement into the finished map.
  func startProjection(id: Int, kind: FeatureKind, mode: ProjectionMode, _ run: SessionRun) {
    let reference = engine.projectionReference.withLock { $0 }
    if mode == .place, let reference, reference.kind == kind {
      startPlacement(id: id, reference: reference, run)
    } else {
      startLayout(id: id, kind: kind, run)
    }
  }

  /// After a checkpoint is saved (or, when watching, loaded): its features are placed into the
  /// finished map, unless a projection is still running, Esc stopped following, or none exists.
  func followCheckpoint(_ run: SessionRun) {
    guard followedStep != run.step, projection?.isDone ?? true,
      let reference = engine.projectionReference.withLock({ $0 }), reference.step != run.step,
      let id = engine.takeProjectionRequestID()
    else { return }
    startPlacement(id: id, reference: reference, run)
  }

  private func startLayout(id: Int, kind: FeatureKind, _ run: SessionRun) {
    projection?.cancel()
    engine.projectionReference.withLock { $0 = nil }
    guard let inputs = features(id: id, kind: kind, pairs: nil, run) else { return }
    let job = ProjectionJob(request: id)
    begin(job)
    job.startLayout(
      kind: kind, step: run.step, pairs: inputs.pairs, inputs: inputs.inputs,
      options: engine.options.projectionOptions, sink: sink)
  }

  private func startPlacement(id: Int, reference: ProjectionReference, _ run: SessionRun) {
    projection?.cancel()
    guard let inputs = features(id: id, kind: reference.kind, pairs: reference.pairs, run) else {
      return
    }
    // Same pairs, same order: the labels (and so the points) match the map's.
    let matched = zip(inputs.inputs, reference.maps).map { input, map in
      ProjectionInput(variant: input.variant, features: input.features.prefix(map.features.labels.count))
    }
    let job = ProjectionJob(request: id)
    begin(job)
    job.startPlacement(
      kind: reference.kind, step: run.step, inputs: matched, reference: reference, sink: sink)
  }

  private func begin(_ job: ProjectionJob) {
    projection = job
    engine.runningProjection.withLock { $0 = job }
  }

  private var sink: ProjectionSink {
    let engine = self.engine
    return ProjectionSink(
      publish: { engine.publishProjection($0, from: $1) },
      failed: { engine.publishMessage($0) },
      keep: { reference, job in
        engine.projectionReference.withLock { if !job.isCancelled { $0 = reference } }
      })
  }

  /// Every variant's features, or nil when reading them failed (logged) or Esc cancelled the
  /// request meanwhile. `pairs`: exactly these pairs (a placement); nil: the engine's size.
  private func features(id: Int, kind: FeatureKind, pairs: [Int]?, _ run: SessionRun)
    -> (inputs: [ProjectionInput], pairs: [Int])?
  {
    let engine = self.engine
    let size: ProjectionSize = engine.options.projectionPoints.map { .points($0) }
      ?? .pairs(engine.options.projectionPairs)
    let start = Date()
    let total = engine.options.projectionPoints ?? 0
    func say(_ done: Int, variant: String) throws {
      // Esc while the features are read: stop reading (they would be thrown away).
      if engine.isProjectionCancelled(id) { throw CancellationError() }
      var progress = ProjectionProgress(
        phase: .features, variant: variant, done: done, total: total,
        elapsed: Date().timeIntervalSince(start))
      if total == 0 { progress.done = 0 }
      engine.publishProjectionProgress(progress, request: id, kind: kind, step: run.step)
    }
    var taken: [Int] = []
    do {
      var inputs: [ProjectionInput] = []
      for variant in run.variants {
        try say(0, variant: variant.name)
        let read: ProjectionFeatures
        if let pairs {
          read = ProjectionFeatures(
            features: try variant.trainer.projectionFeatures(kind, of: pairs), pairs: pairs,
            isShort: false)
        } else {
          read = try variant.trainer.projectionFeatures(kind, size: size) {
            try say($0, variant: variant.name)
          }
        }
        taken = read.pairs
        inputs.append(ProjectionInput(variant: variant.name, features: read.features))
      }
      if engine.isProjectionCancelled(id) { return nil }
      followedStep = run.step
      return (inputs, taken)
    } catch is CancellationError {
      return nil
    } catch {
      run.log.write("projection failed: \(error)")
      engine.publishMessage("projection failed: \(error)")
      return nil
    }
  }
}
