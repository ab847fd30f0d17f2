import Foundation
import Synchronization

/// How many threads the kernels may use: the run's own count, or the process default (the
/// number of active processors, or `VLP_THREADS` when that environment variable holds a positive
/// integer).
///
/// The count belongs to a run, not to the process: `withThreadCount(n) { ... }` binds it for the
/// calling thread (and the tasks it starts) for the duration of `body`, so a training engine, an
/// evaluation and a t-SNE job in one process each use their own count and cannot change each
/// other's. Kernels read it on the thread that calls them, before they hand work to helpers.
///
/// Results never depend on this number: every kernel splits work so that each output element is
/// computed by exactly one thread in the same order (reductions are never split across threads),
/// which keeps runs bit-identical single- and multi-threaded.
public enum ComputeSettings {
  @TaskLocal private static var scopedThreadCount: Int?
  private static let processDefaultThreadCount = defaultThreadCount()

  /// The count in effect on this thread: the innermost `withThreadCount`, else the default.
  public static var threadCount: Int { scopedThreadCount ?? processDefaultThreadCount }

  /// Runs `body` with the thread count set to `count` (at least 1) for this thread only.
  public static func withThreadCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
    try $scopedThreadCount.withValue(max(1, count), operation: body)
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
/// never pay the cost of waking a worker. The chunks depend only on `count` and the number of
/// threads, and each item is handled by one thread, so kernels that give each output to one
/// item are bit-identical for any thread count. Chunk 0 runs on the calling thread, the others
/// on the warm GEMM helpers when they are free (waking a libdispatch worker costs 20-200 us).
public enum Parallel {
  /// Elements per thread below which an elementwise kernel stays on one thread: 10 to 30 us
  /// of work, several times the cost of handing a chunk to a warm helper (bench-small's
  /// activations, 32 x 25 x 128 = 102,400 floats, are enough for two or three threads).
  public static let elementwiseMinimum = 1 << 15

  /// Rows of `length` elements per thread for about `elementwiseMinimum` elements per thread.
  public static func rows(of length: Int) -> Int { Swift.max(1, elementwiseMinimum / Swift.max(1, length)) }

  public static func forChunks(
    count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void
  ) {
    let threads = min(ComputeSettings.threadCount, count / max(1, minimumPerThread))
    if threads <= 1 {
      if count > 0 { body(0..<count) }
      return
    }
    GEMM.parallel(threads) { chunk in
      let start = count * chunk / threads
      let end = count * (chunk + 1) / threads
      if start < end { body(start..<end) }
    }
  }
}

extension Parallel {
  /// One loop over several buffers as if they were one flat array of `counts.reduce(0, +)`
  /// elements (llm.c's flat parameter arena, without moving the buffers): threads take equal
  /// ranges of the flat index and call `body(segment, elements)` for each piece of a segment
  /// in their range, in increasing order. For elementwise updates (optimizer steps, momentum
  /// copies, gradient scaling) the results are the same for any thread count.
  public static func forSegments(
    counts: [Int], minimumPerThread: Int = elementwiseMinimum,
    _ body: (_ segment: Int, _ elements: Range<Int>) -> Void
  ) {
    var starts = [0]
    starts.reserveCapacity(counts.count + 1)
    for count in counts { starts.append(starts[starts.count - 1] + count) }
    let total = starts[starts.count - 1]
    starts.withUnsafeBufferPointer { starts in
      forChunks(count: total, minimumPerThread: minimumPerThread) { range in
        // The last segment starting at or before range.lowerBound (binary search).
        var (low, high) = (0, counts.count - 1)
        while low < high {
          let middle = (low + high + 1) / 2
          if starts[middle] <= range.lowerBound { low = middle } else { high = middle - 1 }
        }
        var segment = low
        while segment < counts.count && starts[segment] < range.upperBound {
          let begin = Swift.max(range.lowerBound, starts[segment]) - starts[segment]
          let end = Swift.min(range.upperBound, starts[segment + 1]) - starts[segment]
          if begin < end { body(segment, begin..<end) }
          segment += 1
        }
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
