import Foundation
import VLP

/// The training thread's side of projections: it copies the weights (the model is its own) and
/// hands the copy to a `ProjectionJob` thread, which reads the features and runs t-SNE while
/// training goes on.
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
    guard let reading = reading(id: id, kind: kind, pairs: nil, run) else { return }
    let job = begin(ProjectionJob(request: id))
    job.startLayout(reading: reading, options: engine.options.projectionOptions, sink: sink(logging: run.log))
  }

  private func startPlacement(id: Int, reference: ProjectionReference, _ run: SessionRun) {
    projection?.cancel()
    guard let reading = reading(id: id, kind: reference.kind, pairs: reference.pairs, run) else {
      return
    }
    let job = begin(ProjectionJob(request: id))
    job.startPlacement(reading: reading, reference: reference, sink: sink(logging: run.log))
  }

  private func begin(_ job: ProjectionJob) -> ProjectionJob {
    projection = job
    engine.runningProjection.withLock { $0 = job }
    // Esc between the request and now found no job to stop: it finds this one, or this sees it.
    if engine.isProjectionCancelled(job.request) { job.cancel() }
    return job
  }

  /// A failure on the job's thread (reading features, t-SNE) goes to run.log as well as the
  /// status line, where the researcher looks after the fact.
  private func sink(logging log: RunLog) -> ProjectionSink {
    let engine = self.engine
    return ProjectionSink(
      publish: { engine.publishProjection($0, from: $1) },
      failed: { message in
        log.write(message)
        engine.publishMessage(message)
      },
      reading: { progress, kind, step, job in
        engine.publishProjectionProgress(progress, request: job.request, kind: kind, step: step, from: job)
      },
      keep: { reference, job in
        engine.projectionReference.withLock { if !job.isCancelled { $0 = reference } }
      })
  }

  /// A copy of every variant's weights (`Pretrainer.detachedFeatureProbe()`, cheap: the models
  /// are small) for the job to read the features with on its own thread, so training does not
  /// pause for the forward passes; nil when copying failed (logged) or Esc cancelled the request.
  /// `pairs`: exactly these pairs (a placement); nil: the engine's size.
  private func reading(id: Int, kind: FeatureKind, pairs: [Int]?, _ run: SessionRun)
    -> ProjectionReading?
  {
    if engine.isProjectionCancelled(id) { return nil }
    let size: ProjectionSize = engine.options.projectionPoints.map { .points($0) }
      ?? .pairs(engine.options.projectionPairs)
    do {
      let variants = try run.variants.map {
        ProjectionReading.Variant(name: $0.name, probe: try $0.trainer.detachedFeatureProbe())
      }
      followedStep = run.step
      return ProjectionReading(kind: kind, step: run.step, variants: variants, pairs: pairs, size: size)
    } catch {
      run.log.write("projection failed: \(error)")
      engine.publishMessage("projection failed: \(error)")
      return nil
    }
  }
}
