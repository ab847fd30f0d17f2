import Foundation
import Synchronization
import Testing

@testable import Tensor

/// The thread count belongs to a run: two runs on two threads, each in its own
/// `withThreadCount`, see their own count all the time, whatever the other sets.
@Suite struct ComputeSettingsTests {
  @Test func twoRunsOnTwoThreadsEachSeeTheirOwnThreadCount() {
    let seen = Mutex<[Int: Set<Int>]>([:])
    let bothInside = DispatchGroup()
    let finished = DispatchGroup()
    let counts = [1, 3]
    bothInside.enter()
    bothInside.enter()
    for count in counts {
      finished.enter()
      let thread = Thread {
        ComputeSettings.withThreadCount(count) {
          // Both runs are inside their scopes before either reads, so the scopes overlap.
          bothInside.leave()
          bothInside.wait()
          for _ in 0..<1000 {
            let observed = ComputeSettings.threadCount
            _ = seen.withLock { $0[count, default: []].insert(observed) }
          }
        }
        finished.leave()
      }
      thread.start()
    }
    finished.wait()
    #expect(seen.withLock { $0 } == [1: [1], 3: [3]])
    // Outside every scope: the process default, untouched by either run.
    #expect(ComputeSettings.threadCount == ComputeSettings.defaultThreadCount())
  }

  @Test func nestedScopesRestoreTheOuterCount() {
    ComputeSettings.withThreadCount(2) {
      ComputeSettings.withThreadCount(1) { #expect(ComputeSettings.threadCount == 1) }
      #expect(ComputeSettings.threadCount == 2)
    }
  }
}
