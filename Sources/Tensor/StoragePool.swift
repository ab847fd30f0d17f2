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
/// Two kinds of buffer (measured on bench-small, docs/benchmarks.md):
/// - Large ones (`mappedMinimumBytes` and up: a step's activations and gradients) are page
///   mappings of their own (`PageMapping`), kept idle by class after their tensor dies. When a
///   request finds no idle buffer of its class, the pool unmaps the longest-idle buffers of
///   other classes, at least as many bytes as it maps: so idle memory is turned into the sizes
///   the step now asks for instead of piling up beside it, the step's resident peak stays at
///   about its live bytes, and a steady-state step (the same sizes in the same order) maps
///   almost nothing. Before, these buffers came from glibc's heap, whose holes of freed buffers
///   stayed resident: 35 to 45 MiB of the bench-small peak.
/// - Small ones come from malloc, up to `idleLimitBytes` (16 MiB) kept idle, the rest freed.
///   At the first allocation the pool raises glibc's mmap threshold to 32 MiB and its trim
///   threshold to 64 MiB (`mallopt`), so that other large blocks (arrays of batch assembly,
///   packing) freed by anyone stay in glibc's heap and are reused without faults.
///
/// Size classes: a request of n floats, 2^(e-1) < n <= 2^e, is rounded up to a multiple of
/// 2^(e-4) (eight classes per octave, under 12.5% unused), with 16 floats (64 bytes) the smallest.
/// A request takes an idle buffer of its class, or of one of the next `largerClasses` when its
/// own is empty.
///
/// Bounds: `VLP_STORAGE_POOL_MIB` (default 16) small idle bytes, at most
/// `mappedIdleLimitBytes` idle in mappings; 0 turns pooling off. The idle buffers of a class
/// that nothing has taken from in the last 32,768 takes (about thirty bench-small steps) are
/// freed, such as the sizes of setup or of an evaluation; `releaseIdle()` frees every idle
/// buffer. Thread-safe: one `Mutex` around the free lists (tensors die on the thread that drops
/// them, which is not always the one that made them).
public enum StoragePool {
  /// An idle buffer's address (plain integers are Sendable, raw pointers not) and the take
  /// count when it was given back.
  private struct IdleBuffer {
    var address: UInt
    var givenAt: Int
  }

  private struct State {
    /// Idle buffers by capacity, oldest first.
    var idle: [Int: [IdleBuffer]] = [:]
    var idleBytes = 0
    var mappedIdleBytes = 0
    /// Takes so far, and for each class the take count when it was last taken from.
    var takes = 0
    var lastTaken: [Int: Int] = [:]
    /// Bytes in buffers handed out and not yet given back, and their peak; new mappings.
    var liveBytes = 0
    var peakLiveBytes = 0
    var mappings = 0
  }

  private static let state: Mutex<State> = {
    #if canImport(Glibc)
      // Why: small pool buffers and every other large block (Swift arrays) then reuse the heap
      // that setup freed instead of fresh mappings, and glibc does not unmap and re-fault the
      // top of its heap on every step. mallopt is not in the Glibc module (malloc.h);
      // M_MMAP_THRESHOLD = -3 and M_TRIM_THRESHOLD = -1 there.
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
  static let largerClasses = environmentInteger("VLP_STORAGE_POOL_LARGER_CLASSES") ?? 8
  /// Buffers of at least this many bytes are page mappings of their own.
  static let mappedMinimumBytes = (environmentInteger("VLP_STORAGE_POOL_MAP_KIB") ?? 128) << 10

  /// Small bytes kept in idle buffers at most.
  public static let idleLimitBytes: Int = (environmentInteger("VLP_STORAGE_POOL_MIB") ?? 16) << 20
  /// Mapped bytes kept idle at most (0 when pooling is off).
  static let mappedIdleLimitBytes = idleLimitBytes == 0 ? 0 : 1 << 30

  private static func environmentInteger(_ name: String) -> Int? {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
  }

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

  /// Whether buffers of this capacity (floats) are page mappings; their byte counts are whole
  /// pages (classes of 32Ki floats and up step by 2Ki floats, 8 KiB).
  static func isMapped(capacity: Int) -> Bool {
    capacity * MemoryLayout<Float>.stride >= mappedMinimumBytes
  }

  /// A 64-byte aligned buffer for `count` floats, its capacity (at least `count`) and whether
  /// it is a fresh mapping (all zero): an idle one of its class or a few classes larger, else a
  /// new one of its class.
  static func take(count: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int, zeroed: Bool) {
    let wanted = capacity(for: count)
    let mapped = isMapped(capacity: wanted)
    let (reused, freed) = state.withLock { state -> ((address: UInt, capacity: Int)?, [(UInt, Int)]) in
      state.takes += 1
      var freed = state.takes % (unusedAfterTakes / 2) == 0 ? sweep(&state) : []
      if reports, state.takes % 4096 == 0 {
        print(
          "pool: live \(state.liveBytes >> 20) MiB, peak live \(state.peakLiveBytes >> 20) MiB,"
            + " idle \(state.idleBytes >> 20) MiB (mapped \(state.mappedIdleBytes >> 20)),"
            + " takes \(state.takes), mappings \(state.mappings)")
      }
      var capacity = wanted
      for _ in 0...largerClasses {
        if let buffer = state.idle[capacity]?.popLast() {
          forget(capacity: capacity, in: &state)
          state.lastTaken[capacity] = state.takes
          handOut(capacity: capacity, in: &state)
          return ((buffer.address, capacity), freed)
        }
        capacity = Self.capacity(for: capacity + 1)
      }
      state.lastTaken[wanted] = state.takes
      handOut(capacity: wanted, in: &state)
      if mapped {
        state.mappings += 1
        freed += evictOldestMapped(bytes: wanted * MemoryLayout<Float>.stride, from: &state)
      }
      return (nil, freed)
    }
    for (address, capacity) in freed { free(address: address, capacity: capacity) }
    if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused.address) {
      return (pointer, reused.capacity, false)
    }
    let bytes = wanted * MemoryLayout<Float>.stride
    if mapped { return (PageMapping.map(bytes: bytes), wanted, true) }
    return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), wanted, false)
  }

  private static func handOut(capacity: Int, in state: inout State) {
    state.liveBytes += capacity * MemoryLayout<Float>.stride
    state.peakLiveBytes = Swift.max(state.peakLiveBytes, state.liveBytes)
  }

  /// Counts an idle buffer of `capacity` out of the idle totals.
  private static func forget(capacity: Int, in state: inout State) {
    let bytes = capacity * MemoryLayout<Float>.stride
    state.idleBytes -= bytes
    if isMapped(capacity: capacity) { state.mappedIdleBytes -= bytes }
  }

  /// Removes the longest-idle mapped buffers, at least `bytes` of them while any are left, for
  /// the caller to unmap outside the lock: a new mapping then replaces idle memory instead of
  /// adding to it.
  private static func evictOldestMapped(bytes: Int, from state: inout State) -> [(UInt, Int)] {
    var evicted: [(UInt, Int)] = []
    var evictedBytes = 0
    while evictedBytes < bytes, state.mappedIdleBytes > 0 {
      var oldest: (capacity: Int, givenAt: Int)?
      for (capacity, buffers) in state.idle where isMapped(capacity: capacity) {
        if let first = buffers.first, first.givenAt < oldest?.givenAt ?? .max {
          oldest = (capacity, first.givenAt)
        }
      }
      guard let oldest, let buffer = state.idle[oldest.capacity]?.removeFirst() else { break }
      forget(capacity: oldest.capacity, in: &state)
      evicted.append((buffer.address, oldest.capacity))
      evictedBytes += oldest.capacity * MemoryLayout<Float>.stride
    }
    return evicted
  }

  /// Removes the idle buffers of classes not taken from recently; the caller frees them
  /// outside the lock.
  private static func sweep(_ state: inout State) -> [(UInt, Int)] {
    var stale: [(UInt, Int)] = []
    for (capacity, buffers) in state.idle
    where !buffers.isEmpty && state.takes - state.lastTaken[capacity, default: 0] > unusedAfterTakes {
      stale += buffers.map { ($0.address, capacity) }
      for _ in buffers { forget(capacity: capacity, in: &state) }
      state.idle[capacity] = nil
    }
    return stale
  }

  private static func free(address: UInt, capacity: Int) {
    guard let pointer = UnsafeMutableRawPointer(bitPattern: address) else { return }
    if isMapped(capacity: capacity) {
      PageMapping.unmap(pointer, bytes: capacity * MemoryLayout<Float>.stride)
    } else {
      pointer.deallocate()
    }
  }

  /// Gives a buffer from `take` back; it is freed instead when the pool is full.
  static func give(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
    let bytes = capacity * MemoryLayout<Float>.stride
    let address = UInt(bitPattern: pointer)
    let mapped = isMapped(capacity: capacity)
    let kept = state.withLock { state -> Bool in
      state.liveBytes -= bytes
      if mapped {
        guard state.mappedIdleBytes + bytes <= mappedIdleLimitBytes else { return false }
        state.mappedIdleBytes += bytes
      } else {
        guard state.idleBytes - state.mappedIdleBytes + bytes <= idleLimitBytes else { return false }
      }
      state.idle[capacity, default: []].append(IdleBuffer(address: address, givenAt: state.takes))
      state.idleBytes += bytes
      return true
    }
    if !kept { free(address: address, capacity: capacity) }
  }

  /// Frees every idle buffer; buffers of live tensors are untouched and still come back later.
  public static func releaseIdle() {
    let idle = state.withLock { state -> [Int: [IdleBuffer]] in
      defer {
        state.idle = [:]
        state.idleBytes = 0
        state.mappedIdleBytes = 0
      }
      return state.idle
    }
    for (capacity, buffers) in idle {
      for buffer in buffers { free(address: buffer.address, capacity: capacity) }
    }
  }

  /// Bytes currently held in idle buffers (for tests and benchmarks).
  public static var idleBytes: Int { state.withLock { $0.idleBytes } }
}
