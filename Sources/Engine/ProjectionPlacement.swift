import Foundation
import TSNE
import VLP

extension ProjectionJob {
  /// Points placed per `TSNETransform.place` call: the progress bar's and Esc's granularity (a
  /// point's placement does not depend on the others placed with it, so chunks change nothing).
  static let placementChunk = 4096
  /// Frames of the glide from the old positions to the new ones, and the pause between them.
  static let glideFrames = 12
  static let glideFrameSeconds = 0.06

  /// Reads the features of the map's pairs (`read`), then places them, on the job's thread.
  func startPlacement(
    reading: ProjectionReading, reference: ProjectionReference,
    options: TSNETransformOptions = TSNETransformOptions(), sink: ProjectionSink
  ) {
    launch { [self] in
      guard let read = read(reading, sink: sink) else { return }
      // Same pairs, same order: the labels (and so the points) match the map's.
      let matched = zip(read.inputs, reference.maps).map { input, map in
        ProjectionInput(
          variant: input.variant, features: input.features.prefix(map.features.labels.count))
      }
      place(
        kind: reading.kind, step: reading.step, inputs: matched, reference: reference,
        options: options, sink: sink)
    }
  }

  /// Places `inputs` (the same pairs' features at a later step) into `reference`'s maps by
  /// `TSNETransform`, then glides the points from where they were shown to where they land, so
  /// the screen shows features moving in one map instead of a new layout per checkpoint.
  private func place(
    kind: FeatureKind, step: Int, inputs: [ProjectionInput], reference: ProjectionReference,
    options: TSNETransformOptions, sink: ProjectionSink
  ) {
    let start = Date()
    var shown = reference.maps
    let total = inputs.reduce(0) { $0 + $1.features.labels.count }
    var placedCount = 0
    func snapshot(_ progress: ProjectionProgress, purity: Bool = false) -> ProjectionSnapshot {
      var progress = progress
      progress.elapsed = Date().timeIntervalSince(start)
      let panels = zip(shown, inputs).map { map, input in
        ProjectionPanel(
          variant: map.variant, labels: input.features.labels,
          tsne: .placed(embedding: map.shown, isFinished: progress.phase == .finished),
          purity: purity
            ? ProjectionPurity.score(embedding: map.shown, classes: input.features.labels.map(\.fineClass))
            : nil)
      }
      return ProjectionSnapshot(
        request: request, kind: kind, step: step, panels: panels,
        isFinished: progress.phase == .finished, progress: progress, referenceStep: reference.step)
    }
    var targets: [[Float]] = []
    do {
      for (map, input) in zip(reference.maps, inputs) {
        var placed: [Float] = []
        let features = input.features
        for chunkStart in stride(from: 0, to: features.labels.count, by: Self.placementChunk) {
          if isCancelled { return }
          let count = min(Self.placementChunk, features.labels.count - chunkStart)
          let rows = features.values[
            chunkStart * features.dimension..<(chunkStart + count) * features.dimension]
          placed += try TSNETransform.place(
            points: Array(rows), count: count, reference: map.features.values,
            referenceCount: map.features.labels.count, dimensions: features.dimension,
            embedding: map.embedding, options: Self.fitted(options, reference: map.features.labels.count))
          placedCount += count
          var progress = ProjectionProgress(
            phase: .placing, variant: map.variant, done: placedCount, total: total)
          progress.secondsLeft = ProjectionProgress.secondsLeft(
            done: placedCount, total: total, seconds: Date().timeIntervalSince(start))
          sink.publish(snapshot(progress), self)
        }
        targets.append(placed)
      }
    } catch {
      sink.failed("projection: placing step \(step)'s features: \(error)")
      return
    }
    let from = shown.map(\.shown)
    for frame in 1...Self.glideFrames {
      if isCancelled { return }
      let t = Float(frame) / Float(Self.glideFrames)
      for index in shown.indices where from[index].count == targets[index].count {
        shown[index].shown = zip(from[index], targets[index]).map { $0 + t * ($1 - $0) }
      }
      if frame == Self.glideFrames { break }
      sink.publish(
        snapshot(ProjectionProgress(phase: .moving, done: frame, total: Self.glideFrames)), self)
      Thread.sleep(forTimeInterval: Self.glideFrameSeconds)
    }
    for index in shown.indices { shown[index].shown = targets[index] }
    var kept = reference
    kept.maps = shown
    sink.keep(kept, self)
    sink.publish(snapshot(.finished, purity: true), self)
  }

  /// openTSNE's transform perplexity (5), lowered for a map of few points (3 x perplexity must
  /// stay below the reference's size).
  static func fitted(_ options: TSNETransformOptions, reference count: Int) -> TSNETransformOptions {
    var options = options
    options.perplexity = min(options.perplexity, Double(max(1, count - 1)) / 3.001)
    return options
  }
}
