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
///   request finds no idle buffer of its class, the pool resizes an idle mapping of another
///   class to it (keeping its pages: only a growth faults, and only its difference) before it
///   maps a new one: so idle memory turns into the sizes the step now asks for instead of
///   piling up beside them, and the resident peak stays at about the live bytes' peak. Before,
///   these buffers came from glibc's heap, whose holes of freed buffers stayed resident: 35 to
///   45 MiB of the bench-small peak.
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
  private struct State {
    /// Idle buffers by capacity, as addresses (plain integers are Sendable, raw pointers not).
    var idle: [Int: [UInt]] = [:]
    var idleBytes = 0
    var mappedIdleBytes = 0
    /// Takes so far, and for each class the take count when it was last taken from.
    var takes = 0
    var lastTaken: [Int: Int] = [:]
    /// Bytes in buffers handed out and not yet given back, and their peak; new mappings.
    var liveBytes = 0
    var peakLiveBytes = 0
    var mappings = 0
    var resizes = 0
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

  /// How a request is served: an idle buffer of its class or a few larger, an idle mapping of
  /// another size resized to it (`PageMapping.resize`), or a new buffer.
  private enum Source {
    case idle(address: UInt, capacity: Int)
    case resized(address: UInt, from: Int)
    case new
  }

  /// A 64-byte aligned buffer for `count` floats, its capacity (at least `count`) and whether
  /// it is all zero (a fresh mapping).
  static func take(count: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int, zeroed: Bool) {
    let wanted = capacity(for: count)
    let mapped = isMapped(capacity: wanted)
    let (source, stale) = state.withLock { state -> (Source, [(UInt, Int)]) in
      state.takes += 1
      let stale = state.takes % (unusedAfterTakes / 2) == 0 ? sweep(&state) : []
      if reports, state.takes % 4096 == 0 {
        print(
          "pool: live \(state.liveBytes >> 20) MiB, peak live \(state.peakLiveBytes >> 20) MiB,"
            + " idle \(state.idleBytes >> 20) MiB (mapped \(state.mappedIdleBytes >> 20)),"
            + " takes \(state.takes), mappings \(state.mappings), resized \(state.resizes)")
      }
      var capacity = wanted
      for _ in 0...largerClasses {
        if let buffer = state.idle[capacity]?.popLast() {
          forget(capacity: capacity, in: &state)
          state.lastTaken[capacity] = state.takes
          handOut(capacity: capacity, in: &state)
          return (.idle(address: buffer, capacity: capacity), stale)
        }
        capacity = Self.capacity(for: capacity + 1)
      }
      state.lastTaken[wanted] = state.takes
      handOut(capacity: wanted, in: &state)
      guard mapped else { return (.new, stale) }
      if let other = closestIdleMapped(to: wanted, in: state),
        let buffer = state.idle[other]?.popLast()
      {
        forget(capacity: other, in: &state)
        state.resizes += 1
        return (.resized(address: buffer, from: other), stale)
      }
      state.mappings += 1
      return (.new, stale)
    }
    for (address, capacity) in stale { free(address: address, capacity: capacity) }
    let bytes = wanted * MemoryLayout<Float>.stride
    switch source {
    case .idle(let address, let capacity):
      return (UnsafeMutableRawPointer(bitPattern: address)!, capacity, false)
    case .resized(let address, let from):
      let pointer = PageMapping.resize(
        UnsafeMutableRawPointer(bitPattern: address)!, bytes: from * MemoryLayout<Float>.stride,
        to: bytes)
      return (pointer, wanted, false)
    case .new:
      if mapped { return (PageMapping.map(bytes: bytes), wanted, true) }
      return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), wanted, false)
    }
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

  /// The idle mapped class to resize for a request of `capacity` that its own classes cannot
  /// serve: the smallest larger one (a shrink frees its tail, no page faults), else the largest
  /// smaller one (a growth faults only the difference). A new mapping would instead add to the
  /// idle memory beside it, and idle memory of the wrong sizes would pile up to the sum of
  /// every class's own peak.
  private static func closestIdleMapped(to capacity: Int, in state: State) -> Int? {
    var larger: Int?
    var smaller: Int?
    for (other, buffers) in state.idle where !buffers.isEmpty && isMapped(capacity: other) {
      if other >= capacity {
        if other < larger ?? .max { larger = other }
      } else if other > smaller ?? 0 {
        smaller = other
      }
    }
    return larger ?? smaller
  }

  /// Removes the idle buffers of classes not taken from recently; the caller frees them
  /// outside the lock.
  private static func sweep(_ state: inout State) -> [(UInt, Int)] {
    var stale: [(UInt, Int)] = []
    for (capacity, buffers) in state.idle
    where !buffers.isEmpty && state.takes - state.lastTaken[capacity, default: 0] > unusedAfterTakes {
      stale += buffers.map { ($0, capacity) }
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
      state.idle[capacity, default: []].append(address)
      state.idleBytes += bytes
      return true
    }
    if !kept { free(address: address, capacity: capacity) }
  }

  /// Frees every idle buffer; buffers of live tensors are untouched and still come back later.
  public static func releaseIdle() {
    let idle = state.withLock { state -> [Int: [UInt]] in
      defer {
        state.idle = [:]
        state.idleBytes = 0
        state.mappedIdleBytes = 0
      }
      return state.idle
    }
    for (capacity, buffers) in idle {
      for buffer in buffers { free(address: buffer, capacity: capacity) }
    }
  }

  /// Bytes currently held in idle buffers (for tests and benchmarks).
  public static var idleBytes: Int { state.withLock { $0.idleBytes } }
}
