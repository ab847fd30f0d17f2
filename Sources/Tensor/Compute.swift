import Dispatch
import Foundation
import Synchronization

/// How many threads the kernels may use. Defaults to the number of active processors, or to
/// `VLP_THREADS` when that environment variable holds a positive integer.
///
/// Results never depend on this number: every kernel splits work so that each output element is
/// computed by exactly one thread in the same order (reductions are never split across threads),
/// which keeps runs bit-identical single- and multi-threaded.
public enum ComputeSettings {
  private static let storedThreadCount = Atomic<Int>(defaultThreadCount())

  public static var threadCount: Int {
    get { storedThreadCount.load(ordering: .relaxed) }
    set { storedThreadCount.store(max(1, newValue), ordering: .relaxed) }
  }

  /// Runs `body` with the thread count temporarily set to `count` (used by tests and benchmarks).
  public static func withThreadCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
    let previous = threadCount
    threadCount = count
    defer { threadCount = previous }
    return try body()
  }

  static func defaultThreadCount() -> Int {
    if let text = ProcessInfo.processInfo.environment["VLP_THREADS"], let value = Int(text), value > 0 {
      return value
    }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
  }
}

/// Splits `0..<count` into contiguous chunks run on up to `ComputeSettings.threadCount` threads.
/// Work below `minimumPerThread` items per chunk stays on the calling thread, so small tensors
/// never pay the cost of waking a worker.
public enum Parallel {
  public static func forChunks(
    count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void
  ) {
    let threads = min(ComputeSettings.threadCount, count / max(1, minimumPerThread))
    if threads <= 1 {
      if count > 0 { body(0..<count) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedSendableBox(body)
      DispatchQueue.concurrentPerform(iterations: threads) { chunk in
        let start = count * chunk / threads
        let end = count * (chunk + 1) / threads
        if start < end { shared.value(start..<end) }
      }
    }
  }
}

/// Carries a non-Sendable value (a closure over raw buffers) into `concurrentPerform`. Safe
/// because the chunks touch disjoint memory and the caller waits for all of them.
struct UncheckedSendableBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
