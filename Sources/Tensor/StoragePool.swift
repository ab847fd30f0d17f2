import Foundation
import Synchronization

/// A caching allocator for tensor storage: buffers of dead tensors go back to a pool by size
/// class and are handed to the next tensor of that class, so that a training step, which
/// allocates the same sizes every time, maps no new pages once the pool is warm.
///
/// Why: every op allocates its result, and glibc returns large blocks to the kernel (munmap or
/// heap trimming) as soon as they are freed, so each step used to map, zero-fill (by page
/// fault) and unmap its whole working set again: about 8,000 minor faults per step.
///
/// Size classes: a request of n floats, 2^(e-1) < n <= 2^e, is rounded up to a multiple of
/// 2^(e-4) (eight classes per octave, under 12.5% unused), with 16 floats (64 bytes) the smallest.
///
/// A request takes an idle buffer of its class, or of one of the next four (up to about 1.6x
/// larger) when its own is empty, since per-class peaks fall at different times of a step.
///
/// The pool is bounded two ways: it keeps at most `idleLimitBytes` in idle buffers
/// (`VLP_STORAGE_POOL_MIB`, default 512 MiB), freeing at once a buffer given back beyond that;
/// and it frees the idle buffers of a class that nothing has taken from in the last 32,768
/// takes (about ten training steps), such as the sizes of setup or of an evaluation.
/// `releaseIdle()` frees every idle buffer.
/// `VLP_STORAGE_POOL_MIB=0` turns pooling off. Thread-safe: one `Mutex` around the free lists
/// (tensors die on the thread that drops them, which is not always the one that made them).
public enum StoragePool {
  /// Idle buffers by capacity, as addresses (plain integers are Sendable, raw pointers not).
  private struct State {
    var idle: [Int: [UInt]] = [:]
    var idleBytes = 0
    /// Takes so far, and for each class the take count when it was last taken from.
    var takes = 0
    var lastTaken: [Int: Int] = [:]
  }

  private static let state = Mutex(State())

  /// A class not taken from in this many takes has its idle buffers freed (setup or evaluation
  /// sizes that training does not use); a training step takes a few thousand buffers.
  static let unusedAfterTakes = 32_768
  /// A request may take an idle buffer up to this many classes larger (about 1.6x) before a new
  /// one is allocated: fewer buffers in all, since per-class peaks fall at different times.
  static let largerClasses = 4

  /// Bytes kept in idle buffers at most.
  public static let idleLimitBytes: Int = {
    if let text = ProcessInfo.processInfo.environment["VLP_STORAGE_POOL_MIB"],
      let value = Int(text), value >= 0
    {
      return value << 20
    }
    return 512 << 20
  }()

  /// When `VLP_STORAGE_POISON` is set, uninitialised buffers are filled with NaN, so that a
  /// kernel that reads an element it never wrote shows up in the tests.
  static let poisonsUninitialised: Bool =
    ProcessInfo.processInfo.environment["VLP_STORAGE_POISON"].map { !$0.isEmpty && $0 != "0" } ?? false

  /// The capacity, in floats, of the class that holds `count` floats.
  static func capacity(for count: Int) -> Int {
    if count <= 16 { return 16 }
    let octave = Int.bitWidth - (count - 1).leadingZeroBitCount  // 2^(octave-1) < count <= 2^octave
    let step = 1 << (octave - 4)  // eight classes between 2^(octave-1) and 2^octave
    return (count + step - 1) / step * step
  }

  /// A 64-byte aligned buffer for `count` floats and its capacity (at least `count`): an idle
  /// one of its class or a few classes larger, else a new one of its class.
  static func take(count: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int) {
    let wanted = capacity(for: count)
    let (reused, stale) = state.withLock { state -> ((address: UInt, capacity: Int)?, [UInt]) in
      state.takes += 1
      let stale = state.takes % (unusedAfterTakes / 2) == 0 ? sweep(&state) : []
      var capacity = wanted
      for _ in 0...largerClasses {
        if let address = state.idle[capacity]?.popLast() {
          state.idleBytes -= capacity * MemoryLayout<Float>.stride
          state.lastTaken[capacity] = state.takes
          return ((address, capacity), stale)
        }
        capacity = Self.capacity(for: capacity + 1)
      }
      state.lastTaken[wanted] = state.takes
      return (nil, stale)
    }
    for address in stale { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused.address) {
      return (pointer, reused.capacity)
    }
    let bytes = wanted * MemoryLayout<Float>.stride
    return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), wanted)
  }

  /// Removes the idle buffers of classes not taken from recently; the caller frees them
  /// outside the lock.
  private static func sweep(_ state: inout State) -> [UInt] {
    var stale: [UInt] = []
    for (capacity, addresses) in state.idle
    where !addresses.isEmpty && state.takes - state.lastTaken[capacity, default: 0] > unusedAfterTakes {
      stale += addresses
      state.idleBytes -= addresses.count * capacity * MemoryLayout<Float>.stride
      state.idle[capacity] = nil
    }
    return stale
  }

  /// Gives a buffer from `take` back; it is freed instead when the pool is full.
  static func give(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
    let bytes = capacity * MemoryLayout<Float>.stride
    let address = UInt(bitPattern: pointer)
    let kept = state.withLock { state -> Bool in
      guard state.idleBytes + bytes <= idleLimitBytes else { return false }
      state.idle[capacity, default: []].append(address)
      state.idleBytes += bytes
      return true
    }
    if !kept { pointer.deallocate() }
  }

  /// Frees every idle buffer; buffers of live tensors are untouched and still come back later.
  public static func releaseIdle() {
    let idle = state.withLock { state -> [Int: [UInt]] in
      defer {
        state.idle = [:]
        state.idleBytes = 0
      }
      return state.idle
    }
    for addresses in idle.values {
      for address in addresses { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }
  }

  /// Bytes currently held in idle buffers (for tests and benchmarks).
  public static var idleBytes: Int { state.withLock { $0.idleBytes } }
}
