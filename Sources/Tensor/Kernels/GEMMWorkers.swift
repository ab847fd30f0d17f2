import Dispatch
import Foundation
import Synchronization

/// Helper threads for GEMM that stay awake for a short while after each job, spinning with
/// sched_yield (so any other runnable thread gets the core first), then sleep.
///
/// Why not only concurrentPerform: on this 2-vCPU VM a libdispatch worker that has gone to
/// sleep takes 20-200 us to start (it is woken onto the caller's busy core and waits there),
/// and the caller, if it finishes first, sleeps and is woken late too. That is as long as a
/// whole 256^3 product; with warm helpers a 2-thread 256^3 product runs at a median 270
/// GFLOP/s instead of 170. Products come in bursts, so the helpers are usually warm.
/// One caller at a time: any other (or one that wants more threads than there are helpers)
/// falls back to concurrentPerform.
final class GEMMWorkers: @unchecked Sendable {
  static let shared = GEMMWorkers(
    helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

  let helpers: Int
  private let busy = Atomic<Bool>(false)
  private let epoch = Atomic<Int>(0)
  private let pending = Atomic<Int>(0)
  private let states: [HelperState]
  // Written by the caller before it publishes `epoch`; read only by helpers assigned to that
  // epoch, and the caller waits for them before touching it again.
  nonisolated(unsafe) private var job: ((Int) -> Void)?
  private static let spinNanoseconds: UInt64 = 300_000

  private init(helpers: Int) {
    self.helpers = helpers
    states = (0..<helpers).map { _ in HelperState() }
    for index in 0..<helpers {
      let thread = Thread { [unowned self] in self.helperLoop(index) }
      thread.name = "GEMM helper \(index + 1)"
      thread.start()
    }
  }

  /// Runs body(0..<count), body(0) on the calling thread, and waits; returns false, having run
  /// nothing, when the helpers are taken or too few.
  func run(_ count: Int, _ body: (Int) -> Void) -> Bool {
    guard count - 1 <= helpers,
      busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else { return false }
    withoutActuallyEscaping(body) { body in
      job = body
      let next = epoch.load(ordering: .relaxed) &+ 1
      pending.store(count - 1, ordering: .relaxed)
      for state in states.prefix(count - 1) { state.assigned.store(next, ordering: .relaxed) }
      epoch.store(next, ordering: .sequentiallyConsistent)
      for state in states.prefix(count - 1)
      where state.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
        state.wakeup.signal()
      }
      body(0)
      while pending.load(ordering: .acquiring) > 0 { sched_yield() }
      job = nil
    }
    busy.store(false, ordering: .releasing)
    return true
  }

  /// Out of line so that the helper's reference to the job is dropped before it reports
  /// completion (withoutActuallyEscaping checks that nothing kept it).
  @inline(never)
  private func runJob(_ index: Int) {
    job?(index)
  }

  private func helperLoop(_ index: Int) {
    let state = states[index]
    var seen = 0
    while true {
      var current = epoch.load(ordering: .acquiring)
      if current == seen {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        while current == seen && DispatchTime.now().uptimeNanoseconds < deadline {
          sched_yield()
          current = epoch.load(ordering: .acquiring)
        }
      }
      if current == seen {
        // Sleep, unless a job was published meanwhile. If its caller already took our flag it
        // will signal, and that signal must be consumed.
        state.sleeping.store(true, ordering: .sequentiallyConsistent)
        current = epoch.load(ordering: .sequentiallyConsistent)
        if current == seen || !state.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
          state.wakeup.wait()
          current = epoch.load(ordering: .acquiring)
        }
        if current == seen { continue }
      }
      seen = current
      if state.assigned.load(ordering: .acquiring) == current {
        runJob(index + 1)
        pending.wrappingAdd(-1, ordering: .releasing)
      }
    }
  }
}

private final class HelperState: Sendable {
  let sleeping = Atomic<Bool>(false)
  let assigned = Atomic<Int>(-1)
  let wakeup = DispatchSemaphore(value: 0)
}
