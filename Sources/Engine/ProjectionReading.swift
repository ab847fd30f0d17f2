import Foundation
import VLP

/// What a projection job reads before its t-SNE or placement: per variant, a probe over a copy
/// of the weights taken on the training thread (`Pretrainer.detachedFeatureProbe()`), so the
/// forward passes over the pairs run on the job's thread while training goes on.
struct ProjectionReading: Sendable {
  struct Variant: Sendable {
    var name: String
    var probe: DetachedFeatureProbe
  }
  var kind: FeatureKind
  /// The step the weights were copied at.
  var step: Int
  var variants: [Variant]
  /// Exactly these pairs (a placement into a map of them); nil: `size`.
  var pairs: [Int]?
  var size: ProjectionSize
}

extension ProjectionJob {
  /// Every variant's features and the pairs they came from; nil when Esc cancelled the job
  /// (checked after every chunk of pairs) or reading failed (reported to `sink`).
  func read(_ reading: ProjectionReading, sink: ProjectionSink) -> (
    inputs: [ProjectionInput], pairs: [Int]
  )? {
    let start = Date()
    let total = if case .points(let count) = reading.size { count } else { 0 }
    func say(_ done: Int, variant: String) throws {
      // Esc while the features are read: stop reading (they would be thrown away).
      if isCancelled { throw CancellationError() }
      let progress = ProjectionProgress(
        phase: .features, variant: variant, done: total == 0 ? 0 : min(done, total), total: total,
        elapsed: Date().timeIntervalSince(start))
      sink.reading(progress, reading.kind, reading.step, self)
    }
    var taken: [Int] = []
    do {
      var inputs: [ProjectionInput] = []
      for variant in reading.variants {
        try say(0, variant: variant.name)
        let probe = variant.probe.probe
        let read: ProjectionFeatures
        if let pairs = reading.pairs {
          let features = try probe.projectionFeatures(reading.kind, of: pairs) {
            try say($0, variant: variant.name)
          }
          read = ProjectionFeatures(features: features, pairs: pairs, isShort: false)
        } else {
          read = try probe.projectionFeatures(reading.kind, size: reading.size) {
            try say($0, variant: variant.name)
          }
        }
        taken = read.pairs
        inputs.append(ProjectionInput(variant: variant.name, features: read.features))
      }
      return isCancelled ? nil : (inputs, taken)
    } catch is CancellationError {
      return nil
    } catch {
      sink.failed("projection failed: \(error)")
      return nil
    }
  }
}
