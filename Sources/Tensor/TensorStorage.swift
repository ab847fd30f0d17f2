/// A contiguous, 64-byte aligned Float32 buffer (aligned for 512-bit SIMD loads).
///
/// Storage has reference semantics on purpose: the optimizer updates parameters in place and a
/// momentum copy reads them, so every `Tensor` viewing a parameter sees the same numbers.
///
/// Buffers come from `StoragePool` and go back to it when the storage dies, so a steady-state
/// training step reuses the previous step's memory instead of mapping fresh pages.
/// `@unchecked Sendable`: raw memory, which an owner hands from thread to thread, never shares.
public final class TensorStorage: @unchecked Sendable {
  public let count: Int
  public let pointer: UnsafeMutablePointer<Float>
  /// Floats in the pooled buffer (its size class), at least `count`.
  private let capacity: Int

  /// Allocates `count` floats; `zeroed: false` (or `uninitialized(count:)`) leaves them
  /// uninitialised, for kernels that overwrite every element. Gradient accumulators and sums
  /// that add into their output need the zeroed default.
  public init(count: Int, zeroed: Bool = true) {
    self.count = count
    let buffer = StoragePool.take(count: count)
    capacity = buffer.capacity
    pointer = buffer.pointer.bindMemory(to: Float.self, capacity: buffer.capacity)
    if zeroed && !buffer.zeroed {
      Self.zeroFill(pointer, count: count)
    } else if !zeroed && StoragePool.poisonsUninitialised {
      pointer.initialize(repeating: .nan, count: count)
    }
  }

  /// Zeroes a large buffer (a gradient accumulator) on the run's threads when the warm helpers
  /// are free, else on this thread: zero-filling was about 2% of a step, all of it on the
  /// training thread. Never waits for a busy pool (an allocation inside a threaded kernel zeroes
  /// its own buffer), and the bytes written are the same either way.
  private static func zeroFill(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
    let threads = count >= 2 * Parallel.elementwiseMinimum
      ? min(ComputeSettings.threadCount, count / Parallel.elementwiseMinimum) : 1
    let filled =
      threads > 1
      && GEMMWorkers.shared.run(threads) { chunk in
        let start = count * chunk / threads, end = count * (chunk + 1) / threads
        (pointer + start).initialize(repeating: 0, count: end - start)
      }
    if !filled { pointer.initialize(repeating: 0, count: count) }
  }

  /// `count` floats that the caller overwrites before anything reads them.
  public static func uninitialized(count: Int) -> TensorStorage {
    TensorStorage(count: count, zeroed: false)
  }

  public convenience init(_ values: [Float]) {
    self.init(count: values.count, zeroed: false)
    values.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { pointer.update(from: base, count: count) }
    }
  }

  deinit { StoragePool.give(UnsafeMutableRawPointer(pointer), capacity: capacity) }

  public var buffer: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: pointer, count: count)
  }

  public func copy() -> TensorStorage {
    let result = TensorStorage(count: count, zeroed: false)
    result.pointer.update(from: pointer, count: count)
    return result
  }

  public var array: [Float] { Array(buffer) }
}
