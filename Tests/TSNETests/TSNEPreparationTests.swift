import Foundation
import Synchronization
import Tensor
import Testing

@testable import TSNE

/// What a monitor heard, and when it started answering "cancelled".
private final class MonitorLog: Sendable {
  struct State {
    var reports: [(phase: TSNEPreparationMonitor.Phase, fraction: Double)] = []
    var cancelledAt: Date?
    var reportsAfterCancel = 0
  }
  let state = Mutex(State())

  /// Cancels at the first report of `phase` with a fraction of at least `from`.
  func monitor(cancellingAt phase: TSNEPreparationMonitor.Phase?, from: Double = 0)
    -> TSNEPreparationMonitor
  {
    TSNEPreparationMonitor(
      isCancelled: { [self] in state.withLock { $0.cancelledAt != nil } },
      progress: { [self] reported, fraction in
        state.withLock { state in
          if state.cancelledAt != nil { state.reportsAfterCancel += 1 }
          state.reports.append((reported, fraction))
          if reported == phase, fraction >= from, state.cancelledAt == nil {
            state.cancelledAt = Date()
          }
        }
      })
  }
}

@Suite("t-SNE preparation: progress and cancellation")
struct TSNEPreparationTests {
  static let data = GaussianClusters(
    count: 6000, dimensions: 32, clusters: 10, spread: 2, noise: 1, seed: 5)

  static func options(search: TSNEOptions.NeighbourSearch) -> TSNEOptions {
    var options = TSNEOptions()
    options.method = .barnesHut
    options.neighbourSearch = search
    options.iterations = 0
    return options
  }

  @Test(arguments: [TSNEOptions.NeighbourSearch.approximate, .exact])
  func reportsEveryPhaseInOrderWithGrowingFractions(search: TSNEOptions.NeighbourSearch) throws {
    let log = MonitorLog()
    let plain = try TSNE(data: Self.data.data, count: 6000, dimensions: 32, options: Self.options(search: search))
    let monitored = try TSNE(
      data: Self.data.data, count: 6000, dimensions: 32, options: Self.options(search: search),
      monitor: log.monitor(cancellingAt: nil))
    // Monitoring changes nothing.
    #expect(monitored.embedding == plain.embedding)
    let reports = log.state.withLock { $0.reports }
    let phases = reports.map(\.phase).reduce(into: [TSNEPreparationMonitor.Phase]()) {
      if $0.last != $1 { $0.append($1) }
    }
    #expect(phases == TSNEPreparationMonitor.Phase.allCases)
    // The overall fraction never goes back and ends at 1.
    let overall = reports.map { TSNEPreparationMonitor.overallFraction($0.phase, $0.fraction) }
    #expect(zip(overall, overall.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
    #expect(overall.last == 1)
  }

  /// Where a test cancels: at the first report of `phase` with a fraction of at least `from`.
  struct CancelPoint: Sendable, CustomTestStringConvertible {
    var search: TSNEOptions.NeighbourSearch
    var phase: TSNEPreparationMonitor.Phase
    var from: Double = 0
    var testDescription: String { "\(search.rawValue) search, \(phase.rawValue) from \(from)" }
  }

  /// A cancellation in each phase (and in the search's rounds) ends `init` with
  /// `CancellationError`, no later phase starts, and it comes back in a small part of the time
  /// the whole preparation takes (relative, so that a loaded machine does not fail it).
  @Test(arguments: [
    CancelPoint(search: .approximate, phase: .neighbours),
    CancelPoint(search: .approximate, phase: .neighbours, from: 0.3),
    CancelPoint(search: .approximate, phase: .calibration),
    CancelPoint(search: .approximate, phase: .symmetrisation),
    CancelPoint(search: .approximate, phase: .initialisation),
    CancelPoint(search: .exact, phase: .neighbours, from: 0.1),
  ])
  func cancellingStopsPromptly(at point: CancelPoint) throws {
    let (search, phase, from) = (point.search, point.phase, point.from)
    let options = Self.options(search: search)
    let whole = Date()
    _ = try TSNE(data: Self.data.data, count: 6000, dimensions: 32, options: options)
    let wholeSeconds = Date().timeIntervalSince(whole)

    let log = MonitorLog()
    #expect(throws: CancellationError.self) {
      try TSNE(
        data: Self.data.data, count: 6000, dimensions: 32, options: options,
        monitor: log.monitor(cancellingAt: phase, from: from))
    }
    let stopped = Date()
    let state = log.state.withLock { $0 }
    let cancelledAt = try #require(state.cancelledAt)
    let laterPhases = TSNEPreparationMonitor.Phase.allCases.drop { $0 != phase }.dropFirst()
    #expect(!state.reports.contains { laterPhases.contains($0.phase) })
    #expect(state.reportsAfterCancel <= 1)
    let seconds = stopped.timeIntervalSince(cancelledAt)
    #expect(seconds < wholeSeconds / 4, "stopped \(seconds) s after the cancel; whole \(wholeSeconds) s")
  }
}
