import Foundation
import Synchronization
import TSNE
import Tensor
import VLP

/// Which learned features a projection shows.
public enum FeatureKind: String, Sendable, CaseIterable {
  /// Region / patch and word tokens of objects (Oscar's Fig. 4).
  case tokens
  /// One embedding per image and per caption (ALBEF's ITC space; Oscar's fused [CLS]).
  case cls
}

/// One variant's projection: the labelled points and the t-SNE so far.
public struct ProjectionPanel: Sendable {
  public var variant: String
  public var labels: [FeatureLabel]
  public var tsne: TSNESnapshot
}

/// A t-SNE of features taken at `step`, one panel per variant, animating while it iterates.
public struct ProjectionSnapshot: Sendable {
  public var request: Int
  public var kind: FeatureKind
  public var step: Int
  public var panels: [ProjectionPanel]
  public var isFinished: Bool
}

/// Features of one variant, taken on the training thread, ready for t-SNE.
struct ProjectionInput: Sendable {
  var variant: String
  var features: TokenFeatureSet
}

extension Pretrainer {
  /// The features a projection of `kind` shows, for the first `pairs` clean held-out pairs.
  public func projectionFeatures(_ kind: FeatureKind, pairs: Int) throws -> TokenFeatureSet {
    let indices = Array(data.cleanTestIndices.prefix(pairs))
    switch kind {
    case .tokens: return try tokenFeatures(pairs: indices)
    case .cls: return try pairFeatures(pairs: indices)
    }
  }
}

/// Runs t-SNE on its own thread (training keeps its pace on the engine's thread) and publishes
/// every few iterations through `publish`. A newer request cancels an older one.
final class ProjectionJob: Sendable {
  private let cancelled = Atomic<Bool>(false)

  func cancel() { cancelled.store(true, ordering: .relaxed) }

  /// Starts the thread. `publish` receives the snapshot after every `every` iterations.
  func start(
    request: Int, kind: FeatureKind, step: Int, inputs: [ProjectionInput], options: TSNEOptions,
    every: Int = 10, publish: @escaping @Sendable (ProjectionSnapshot) -> Void,
    failed: @escaping @Sendable (String) -> Void
  ) {
    let threads = ComputeSettings.threadCount  // the starting run's count, for the job's thread
    let thread = Thread { [self] in ComputeSettings.withThreadCount(threads) {
      var runs: [(variant: String, labels: [FeatureLabel], tsne: TSNE)] = []
      do {
        for input in inputs {
          let variantOptions = options.fitted(toPoints: input.features.labels.count)
          runs.append(
            (input.variant, input.features.labels,
             try TSNE(
              data: input.features.values, count: input.features.labels.count,
              dimensions: input.features.dimension, options: variantOptions)))
        }
      } catch {
        failed("projection: \(error)")
        return
      }
      while !self.cancelled.load(ordering: .relaxed) {
        var finished = true
        for index in runs.indices where !runs[index].tsne.isFinished {
          _ = runs[index].tsne.step(iterations: every)
          finished = finished && runs[index].tsne.isFinished
        }
        publish(
          ProjectionSnapshot(
            request: request, kind: kind, step: step,
            panels: runs.map { ProjectionPanel(variant: $0.variant, labels: $0.labels, tsne: $0.tsne.snapshot) },
            isFinished: finished))
        if finished { return }
      }
    } }
    thread.name = "vlp t-SNE"
    thread.start()
  }
}
