import Foundation
#if canImport(Glibc)
  import Glibc
#endif
import Synchronization

/// A caching allocator for tensor storage: buffers of dead tensors go back to a pool by size
/// class and are handed to the next tensor of that class, so that a training step, which
/// allocates the same sizes every time, maps no new pages once warm.
///
/// Why: every op allocates its result, and glibc returned large blocks to the kernel (munmap,
/// or trimming the heap) as soon as they were freed, so each step mapped, zero-filled (by page
/// fault) and unmapped its working set again: about 2,400 minor faults per bench-small step.
///
/// Two parts (measured on bench-small, one thread, docs/benchmarks.md):
/// - glibc's thresholds: at the first allocation the pool raises glibc's mmap threshold to
///   32 MiB and its trim threshold to 64 MiB (`mallopt`), so blocks freed by anyone stay in
///   glibc's heap and are reused without faults. This alone took a step from about 3,000
///   minor faults to about 50.
/// - the pool itself (size classes, no malloc/free per op), holding up to `idleLimitBytes`
///   idle. A pool that holds a whole step (512 MiB) takes faults to about 5 per step, but
///   costs memory: per-class peaks fall at different times of a step, so it raised the peak
///   resident memory from 429 to 572-615 MiB, and it saved no measurable CPU time over
///   glibc's heap. The default therefore keeps only 16 MiB idle (about 90 faults, 0.35 MiB,
///   per step; peak within 15 MiB of no pool) and hands the rest back to glibc's heap.
///
/// Size classes: a request of n floats, 2^(e-1) < n <= 2^e, is rounded up to a multiple of
/// 2^(e-4) (eight classes per octave, under 12.5% unused), with 16 floats (64 bytes) the smallest.
/// A request takes an idle buffer of its class, or of one of the next eight when its own is
/// empty.
///
/// Bounds: at most `idleLimitBytes` idle (`VLP_STORAGE_POOL_MIB`, default 16; 0 turns pooling
/// off), a buffer given back beyond that is freed at once; the idle buffers of a class that
/// nothing has taken from in the last 32,768 takes (about thirty bench-small steps) are freed,
/// such as the sizes of setup or of an evaluation; `releaseIdle()` frees every idle buffer.
/// Thread-safe: one `Mutex` around the free lists (tensors die on the thread that drops them,
/// which is not always the one that made them).
public enum StoragePool {
  /// Idle buffers by capacity, as addresses (plain integers are Sendable, raw pointers not).
  private struct State {
    var idle: [Int: [UInt]] = [:]
    var idleBytes = 0
    /// Takes so far, and for each class the take count when it was last taken from.
    var takes = 0
    var lastTaken: [Int: Int] = [:]
    /// Bytes in buffers handed out and not yet given back, and their peak.
    var liveBytes = 0
    var peakLiveBytes = 0
  }

  private static let state: Mutex<State> = {
    #if canImport(Glibc)
      // Why: the pool keeps its buffers, so glibc never sees a large block freed and keeps its
      // default 128 KiB mmap threshold: every new pool buffer would be a fresh mapping beside
      // the heap that setup (the scene world) freed, raising peak memory by the step's whole
      // working set. From the heap, new buffers reuse that freed memory. The trim threshold
      // keeps glibc from unmapping and re-faulting the top of the heap on every step.
      // mallopt is not in the Glibc module (malloc.h); M_MMAP_THRESHOLD = -3 and
      // M_TRIM_THRESHOLD = -1 there.
      typealias MallocOption = @convention(c) (Int32, Int32) -> Int32
      if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
        let mallopt = unsafeBitCast(symbol, to: MallocOption.self)
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-1, 64 << 20)
      }
    #endif
    return Mutex(State())
  }()

  /// A class not taken from in this many takes has its idle buffers freed (setup or evaluation
  /// sizes that training does not use); a training step takes a few thousand buffers.
  static let unusedAfterTakes = 32_768
  /// A request may take an idle buffer up to this many classes larger (one octave: at most 2x)
  /// before a new one is allocated: fewer buffers in all, since per-class peaks fall at
  /// different times of a step (0 classes: 747 MiB peak for bench-small, 4: 615, 16: 572).
  static let largerClasses = 8

  /// Bytes kept in idle buffers at most.
  public static let idleLimitBytes: Int = {
    if let text = ProcessInfo.processInfo.environment["VLP_STORAGE_POOL_MIB"],
      let value = Int(text), value >= 0
    {
      return value << 20
    }
    return 16 << 20
  }()

  /// When `VLP_STORAGE_POISON` is set, uninitialised buffers are filled with NaN, so that a
  /// kernel that reads an element it never wrote shows up in the tests.
  /// `VLP_STORAGE_POOL_REPORT` prints live, peak live and idle bytes every 4,096 takes.
  static let reports = ProcessInfo.processInfo.environment["VLP_STORAGE_POOL_REPORT"] != nil
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
      if reports, state.takes % 4096 == 0 {
        print("pool: live \(state.liveBytes >> 20) MiB, peak live \(state.peakLiveBytes >> 20) MiB, idle \(state.idleBytes >> 20) MiB, takes \(state.takes)")
      }
      var capacity = wanted
      for _ in 0...largerClasses {
        if let address = state.idle[capacity]?.popLast() {
          state.idleBytes -= capacity * MemoryLayout<Float>.stride
          state.lastTaken[capacity] = state.takes
          state.liveBytes += capacity * MemoryLayout<Float>.stride
          state.peakLiveBytes = Swift.max(state.peakLiveBytes, state.liveBytes)
          return ((address, capacity), stale)
        }
        capacity = Self.capacity(for: capacity + 1)
      }
      state.lastTaken[wanted] = state.takes
      state.liveBytes += wanted * MemoryLayout<Float>.stride
      state.peakLiveBytes = Swift.max(state.peakLiveBytes, state.liveBytes)
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
      state.liveBytes -= bytes
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
