import Engine
import Foundation
import Synchronization
import TSNE

/// `vlp tsne`'s progress lines during the preparation (stderr): one when a step starts and one
/// per tenth of the whole preparation, e.g.
/// `tsne: affinities · neighbour search · 40% · 1m12s`.
final class TSNEPreparationLine: Sendable {
  private let start = Date()
  /// The last step printed and the tenths of the whole printed so far.
  private let printed = Mutex<(step: TSNEPreparationMonitor.Phase?, tenths: Int)>((nil, -1))

  var monitor: TSNEPreparationMonitor {
    TSNEPreparationMonitor(progress: { [self] phase, fraction in report(phase, fraction) })
  }

  private func report(_ phase: TSNEPreparationMonitor.Phase, _ fraction: Double) {
    let overall = TSNEPreparationMonitor.overallFraction(phase, fraction)
    let tenths = Int(overall * 10)
    let due = printed.withLock { printed in
      guard printed.step != phase || tenths > printed.tenths else { return false }
      printed = (phase, tenths)
      return true
    }
    guard due else { return }
    var state = ProjectionProgress(
      phase: .affinities, done: Int((overall * 1000).rounded()), total: 1000,
      elapsed: Date().timeIntervalSince(start))
    state.step = phase.rawValue
    FileHandle.standardError.write(Data("tsne: \(state.summary)\n".utf8))
  }
}
