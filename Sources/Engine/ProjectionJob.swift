import Foundation
import Synchronization
import TSNE
import Tensor
import VLP

/// One variant's projection: the labelled points and the t-SNE so far.
public struct ProjectionPanel: Sendable {
  public var variant: String
  public var labels: [FeatureLabel]
  public var tsne: TSNESnapshot
  /// kNN class purity (k = 10) of the finished map (`ProjectionPurity`); nil while it moves.
  public var purity: Double? = nil
}

/// A t-SNE of features taken at `step`, one panel per variant, animating while it iterates.
public struct ProjectionSnapshot: Sendable {
  public var request: Int
  public var kind: FeatureKind
  public var step: Int
  public var panels: [ProjectionPanel]
  public var isFinished: Bool
  /// What the job is doing (the screen's progress bar); `.finished` once it is done.
  public var progress: ProjectionProgress = .finished
  /// nil: a layout of these features from scratch. A step: these features placed into the map
  /// laid out from that step's features (`TSNETransform`), so the points move in a fixed map.
  public var referenceStep: Int? = nil
}

/// What a projection request asks for.
enum ProjectionMode: Sendable {
  /// t-SNE from scratch (a new layout).
  case layout
  /// The current features placed into the finished map (a layout when there is none).
  case place
}

/// Features of one variant, read on the job's thread with a copy of the weights, ready for t-SNE.
struct ProjectionInput: Sendable {
  var variant: String
  var features: TokenFeatureSet
}

/// A finished layout that later checkpoints' features are placed into: per variant, the features
/// it was laid out from, its embedding, and where the points were last shown.
struct ProjectionReference: Sendable {
  struct Map: Sendable {
    var variant: String
    var features: TokenFeatureSet
    var embedding: [Float]
    var shown: [Float]
  }
  var kind: FeatureKind
  var step: Int
  var pairs: [Int]
  var maps: [Map]
}

/// What a job reports to: the engine publishes snapshots unless the job was cancelled (checked
/// under the snapshot's lock, so a cancelled job never overwrites the cancelled state).
struct ProjectionSink: Sendable {
  var publish: @Sendable (ProjectionSnapshot, ProjectionJob) -> Void
  var failed: @Sendable (String) -> Void
  /// The features phase's progress of a request's kind and step (the map shown so far stays),
  /// unless the job was cancelled.
  var reading: @Sendable (ProjectionProgress, FeatureKind, Int, ProjectionJob) -> Void
  /// A finished layout (or the positions a placement ended at), unless the job was cancelled
  /// (checked under the reference's lock, which a new layout clears it under).
  var keep: @Sendable (ProjectionReference, ProjectionJob) -> Void
}

/// Runs t-SNE, or the placement of new features into a finished map, on its own thread
/// (training keeps its pace on the engine's thread) and publishes every few iterations. A newer
/// request or Esc cancels it; the thread ends at the next check (between iterations, between
/// chunks of placed points, or between blocks of a variant's preparation).
final class ProjectionJob: Sendable {
  let request: Int
  private let cancelled = Atomic<Bool>(false)
  private let done = Atomic<Bool>(false)

  init(request: Int) { self.request = request }

  func cancel() { cancelled.store(true, ordering: .relaxed) }
  var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
  /// The thread has ended (finished, failed or cancelled).
  var isDone: Bool { done.load(ordering: .relaxed) }

  /// Reads the features (`read`), then lays them out from scratch, on the job's thread.
  func startLayout(
    reading: ProjectionReading, options: TSNEOptions, every: Int = 10, sink: ProjectionSink
  ) {
    launch { [self] in
      guard let read = read(reading, sink: sink) else { return }
      layOut(
        kind: reading.kind, step: reading.step, pairs: read.pairs, inputs: read.inputs,
        options: options, every: every, sink: sink)
    }
  }

  /// Lays out `inputs` from scratch. `publish` hears the snapshot after every `every`
  /// iterations; the finished maps are kept as the reference for placements.
  private func layOut(
    kind: FeatureKind, step: Int, pairs: [Int], inputs: [ProjectionInput], options: TSNEOptions,
    every: Int, sink: ProjectionSink
  ) {
    let start = Date()
    func progress(_ phase: ProjectionProgress.Phase, variant: String? = nil) -> ProjectionProgress {
      ProjectionProgress(phase: phase, variant: variant, elapsed: Date().timeIntervalSince(start))
    }
    var runs: [(variant: String, labels: [FeatureLabel], tsne: TSNE)] = []
    func snapshot(_ progress: ProjectionProgress) -> ProjectionSnapshot {
      ProjectionSnapshot(
        request: request, kind: kind, step: step,
        panels: runs.map { ProjectionPanel(variant: $0.variant, labels: $0.labels, tsne: $0.tsne.snapshot) },
        isFinished: progress.phase == .finished, progress: progress)
    }
    do {
      for input in inputs {
        let preparing = snapshot(progress(.affinities, variant: input.variant))
        sink.publish(preparing, self)
        let variantOptions = options.fitted(toPoints: input.features.labels.count)
        // The preparation's steps on the progress bar (permille of the whole); Esc stops it.
        let monitor = TSNEPreparationMonitor(
          isCancelled: { [self] in isCancelled },
          progress: { [self] phase, fraction in
            var current = preparing
            current.progress.elapsed = Date().timeIntervalSince(start)
            current.progress.step = phase.rawValue
            current.progress.done = Int(
              (TSNEPreparationMonitor.overallFraction(phase, fraction) * 1000).rounded())
            current.progress.total = 1000
            sink.publish(current, self)
          })
        let tsne: TSNE
        do {
          tsne = try TSNE(
            data: input.features.values, count: input.features.labels.count,
            dimensions: input.features.dimension, options: variantOptions, monitor: monitor)
        } catch is CancellationError { return }
        if isCancelled { return }
        runs.append((input.variant, input.features.labels, tsne))
      }
    } catch {
      sink.failed("projection: \(error)")
      return
    }
    let total = runs.reduce(0) { $0 + $1.tsne.options.iterations }
    let optimisationStart = Date()
    while !isCancelled {
      var finished = true
      for index in runs.indices where !runs[index].tsne.isFinished {
        _ = runs[index].tsne.step(iterations: every)
        finished = finished && runs[index].tsne.isFinished
      }
      // A run that stops early (no progress) counts as all its iterations done.
      let done = runs.reduce(0) { $0 + ($1.tsne.isFinished ? $1.tsne.options.iterations : $1.tsne.iteration) }
      var current = progress(runs.contains { $0.tsne.isExaggerating } ? .exaggerating : .optimising)
      (current.done, current.total) = (done, total)
      current.secondsLeft = ProjectionProgress.secondsLeft(
        done: done, total: total, seconds: Date().timeIntervalSince(optimisationStart))
      if finished {
        var last = snapshot(progress(.finished))
        for index in last.panels.indices {
          last.panels[index].purity = ProjectionPurity.score(
            embedding: last.panels[index].tsne.embedding,
            classes: last.panels[index].labels.map(\.fineClass))
        }
        sink.keep(
          ProjectionReference(
            kind: kind, step: step, pairs: pairs,
            maps: zip(inputs, runs).map {
              .init(variant: $1.variant, features: $0.features, embedding: $1.tsne.embedding, shown: $1.tsne.embedding)
            }), self)
        sink.publish(last, self)
        return
      }
      sink.publish(snapshot(current), self)
    }
  }

  func launch(_ body: @escaping @Sendable () -> Void) {
    let threads = ComputeSettings.threadCount  // the starting run's count, for the job's thread
    let thread = Thread { [self] in
      ComputeSettings.withThreadCount(threads) { body() }
      done.store(true, ordering: .relaxed)
    }
    thread.name = "vlp t-SNE"
    thread.start()
  }
}
