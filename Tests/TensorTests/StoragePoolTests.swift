import Dispatch
import Synchronization
import Testing

@testable import Tensor

/// The caching allocator behind `TensorStorage`.
@Suite struct StoragePoolTests {
  @Test func classesWasteAtMostAnEighth() {
    for count in [1, 16, 17, 100, 1000, 4097, 100_000, 1_234_567] {
      let capacity = StoragePool.capacity(for: count)
      #expect(capacity >= count)
      #expect(capacity <= Swift.max(16, count + count / 8 + 1))
      #expect(StoragePool.capacity(for: capacity) == capacity)
    }
  }

  @Test func aDeadTensorsBufferServesTheNextOfItsSize() {
    // An odd size that no other test uses, so that a concurrent test cannot take the buffer.
    let count = 314_159
    // Room in the pool for it, whatever other tests left idle.
    StoragePool.releaseIdle()
    var address: UnsafeMutablePointer<Float>?
    do {
      let first = TensorStorage(count: count, zeroed: false)
      address = first.pointer
      first.pointer.update(repeating: 7, count: count)
    }
    let second = TensorStorage(count: count, zeroed: true)
    #expect(second.pointer == address)
    // The zeroed path clears what the previous owner left.
    #expect(second.buffer.allSatisfy { $0 == 0 })
    #expect(Int(bitPattern: second.pointer) % 64 == 0)
  }

  /// Large zeroed buffers are cleared on the run's threads: every element zero on any thread
  /// count, with the chunk boundaries at odd places. The pairs of other sizes reuse dirty blocks
  /// split or joined for the request: still all zero, and every element writable.
  @Test func zeroedBuffersAreZeroOnAnyThreadCount() {
    let sizes = [65_535, 65_536, 131_073, 200_003].map { ($0, $0) }
      + [(500_003, 600_011), (700_001, 400_009), (262_147, 1_048_583)]
    for threads in [1, 2, 3] {
      for (dirty, count) in sizes {
        ComputeSettings.withThreadCount(threads) {
          do {
            let old = TensorStorage(count: dirty, zeroed: false)
            old.pointer.update(repeating: 3, count: dirty)
          }
          let zeroed = TensorStorage(count: count, zeroed: true)
          #expect(zeroed.buffer.allSatisfy { $0 == 0 }, "\(dirty) -> \(count) floats on \(threads) threads")
          zeroed.pointer.update(repeating: 5, count: count)
          #expect(zeroed.buffer.allSatisfy { $0 == 5 })
        }
      }
    }
  }

  /// Small buffers (malloc) and blocks of page mappings (128 KiB and up, split and joined
  /// between threads).
  @Test(arguments: [(1000, 300), (40_000, 23_000)])
  func threadsNeverShareALiveBuffer(smallest: Int, step: Int) {
    // Four threads allocate, fill with their own number, check and drop buffers of a few sizes;
    // a buffer handed out twice would show another thread's number.
    let failures = FailureCount()
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      for round in 0..<200 {
        let storage = TensorStorage(count: smallest + (round % 5) * step, zeroed: round % 2 == 0)
        storage.pointer.update(repeating: Float(thread), count: storage.count)
        if !storage.buffer.allSatisfy({ $0 == Float(thread) }) {
          failures.value.add(1, ordering: .relaxed)
        }
      }
    }
    #expect(failures.value.load(ordering: .relaxed) == 0)
  }
}

private final class FailureCount: Sendable {
  let value = Atomic<Int>(0)
}
