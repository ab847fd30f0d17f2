/// What t-SNE's preparation (neighbour search, perplexity calibration, symmetric P, PCA) reports
/// to, and asks whether to stop: the workbench's projection job cancels on Esc, and at a million
/// points the preparation alone takes minutes.
///
/// Cancellation is checked between blocks of work small enough that a check comes every few
/// tens of milliseconds at 50,000 points (a block of the local join, a chunk of rows, a tree,
/// a PCA sweep); a cancelled preparation throws `CancellationError` from `TSNE.init`. Progress is
/// reported from one thread at a time, as (phase, fraction of that phase in [0, 1]).
public struct TSNEPreparationMonitor: Sendable {
  public enum Phase: String, Sendable, Equatable, CaseIterable {
    case neighbours = "neighbour search"
    case calibration = "perplexity calibration"
    case symmetrisation = "symmetric P"
    case initialisation = "PCA initialisation"
  }

  private let cancelled: @Sendable () -> Bool
  private let progress: @Sendable (Phase, Double) -> Void

  public init(
    isCancelled: @escaping @Sendable () -> Bool = { false },
    progress: @escaping @Sendable (Phase, Double) -> Void = { _, _ in }
  ) {
    cancelled = isCancelled
    self.progress = progress
  }

  /// Never cancels, reports nowhere.
  public static let none = TSNEPreparationMonitor()

  /// Safe to call from any thread.
  public var isCancelled: Bool { cancelled() }

  /// The share of the whole preparation done at `fraction` of `phase` (phases in the order they
  /// run; their weights are their shares of the CPU time measured at 50,000 x 128), for one
  /// progress bar across the phases.
  public static func overallFraction(_ phase: Phase, _ fraction: Double) -> Double {
    let weights: [Phase: Double] = [
      .neighbours: 0.86, .calibration: 0.05, .symmetrisation: 0.01, .initialisation: 0.08,
    ]
    var before = 0.0
    for earlier in Phase.allCases.prefix(while: { $0 != phase }) { before += weights[earlier]! }
    return min(1, before + weights[phase]! * fraction)
  }

  func report(_ phase: Phase, _ fraction: Double) { progress(phase, min(1, max(0, fraction))) }

  func throwIfCancelled() throws { if cancelled() { throw CancellationError() } }
}
