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
/// - Large ones (`mappedMinimumBytes` and up: a step's activations and gradients) are blocks of
///   page mappings (`PageArena`): best fit, split, and joined with free neighbours when given
///   back, so idle memory of one size serves requests of another and a warm step faults no
///   page. Before, these buffers came from glibc's heap, whose holes of freed buffers stayed
///   resident (35 to 45 MiB of the bench-small peak), and size classes could not lend each other
///   idle buffers (a pool keeping all of them peaked far above the live bytes: 572 against 429
///   MiB); then from one mapping per buffer, cut or grown for other sizes, whose remainders
///   never joined again (6,300 page faults a step). Wholly free segments that no request needed
///   for 16,384 takes (several steps) are unmapped.
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
/// `mappedIdleLimitBytes` idle in mappings; 0 turns pooling off. The idle small buffers of a
/// class that nothing has taken from in the last 32,768 takes (about ten bench-small steps) are
/// freed, such as the sizes of setup or of an evaluation; `releaseIdle()` frees every idle
/// buffer. Thread-safe: one `Mutex` around the free lists (tensors die on the thread that drops
/// them, which is not always the one that made them).
public enum StoragePool {
  private struct State {
    /// Idle buffers by capacity, as addresses (plain integers are Sendable, raw pointers not).
    var idle: [Int: [UInt]] = [:]
    var idleBytes = 0
    var pages = PageArena()
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
  static let largerClasses = 8
  /// Buffers of at least this many bytes are page mappings of their own (128 KiB at least:
  /// larger classes are whole 4 KiB pages).
  static let mappedMinimumBytes = Swift.max(128, environmentInteger("VLP_STORAGE_POOL_MAP_KIB") ?? 128) << 10
  static let pageBytes: Int = {
    #if canImport(Glibc)
      return Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
      return Int(getpagesize())
    #endif
  }()

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
  /// pages (classes of 32Ki floats and up step by 2Ki floats, 8 KiB; the threshold,
  /// `VLP_STORAGE_POOL_MAP_KIB`, is for experiments).
  static func isMapped(capacity: Int) -> Bool {
    let bytes = capacity * MemoryLayout<Float>.stride
    return bytes >= mappedMinimumBytes && bytes % pageBytes == 0
  }

  /// A 64-byte aligned buffer for `count` floats, its capacity (at least `count`) and whether
  /// it is all zero (a fresh mapping).
  static func take(count: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int, zeroed: Bool) {
    let wanted = capacity(for: count)
    let bytes = wanted * MemoryLayout<Float>.stride
    let mapped = isMapped(capacity: wanted)
    let (reused, zeroed, stale) = state.withLock {
      state -> ((address: UInt, capacity: Int)?, Bool, Released) in
      state.takes += 1
      let stale = state.takes % (unusedAfterTakes / 2) == 0 ? sweep(&state) : Released()
      if reports, state.takes % 4096 == 0 {
        print(
          "pool: live \(state.liveBytes >> 20) MiB, peak live \(state.peakLiveBytes >> 20) MiB,"
            + " idle \(state.idleBytes >> 20) MiB, idle pages \(state.pages.idleBytes >> 20) MiB"
            + " of \(state.pages.mappedBytes >> 20) MiB mapped, takes \(state.takes),"
            + " segments mapped \(state.mappings)")
      }
      if mapped {
        // Whole pages, not the size class: blocks are cut to measure.
        let least = Swift.max(mappedMinimumBytes, count * MemoryLayout<Float>.stride)
        let pages = (least + pageBytes - 1) / pageBytes * pageBytes
        var block = state.pages.take(bytes: pages)
        if block == nil {
          // A new segment, mapped under the lock: only while the pool warms up.
          let segment = PageArena.segmentBytes(for: pages)
          state.pages.add(
            segment: UInt(bitPattern: PageMapping.map(bytes: segment)), bytes: segment)
          state.mappings += 1
          block = state.pages.take(bytes: pages)
        }
        let capacity = block!.bytes / MemoryLayout<Float>.stride
        handOut(capacity: capacity, in: &state)
        return ((block!.address, capacity), block!.zeroed, stale)
      }
      var capacity = wanted
      for _ in 0...largerClasses {
        if let buffer = state.idle[capacity]?.popLast() {
          state.idleBytes -= capacity * MemoryLayout<Float>.stride
          state.lastTaken[capacity] = state.takes
          handOut(capacity: capacity, in: &state)
          return ((buffer, capacity), false, stale)
        }
        capacity = Self.capacity(for: capacity + 1)
      }
      state.lastTaken[wanted] = state.takes
      handOut(capacity: wanted, in: &state)
      return (nil, false, stale)
    }
    stale.free()
    if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused.address) {
      return (pointer, reused.capacity, zeroed)
    }
    return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), wanted, false)
  }

  private static func handOut(capacity: Int, in state: inout State) {
    state.liveBytes += capacity * MemoryLayout<Float>.stride
    state.peakLiveBytes = Swift.max(state.peakLiveBytes, state.liveBytes)
  }

  /// Idle memory to free outside the lock: page ranges to unmap, small buffers to deallocate.
  private struct Released {
    var pages: [(address: UInt, bytes: Int)] = []
    var buffers: [UInt] = []

    func free() {
      for page in pages { PageMapping.unmap(UnsafeMutableRawPointer(bitPattern: page.address)!, bytes: page.bytes) }
      for buffer in buffers { UnsafeMutableRawPointer(bitPattern: buffer)?.deallocate() }
    }
  }

  /// Removes the idle small buffers of classes not taken from recently and the idle pages
  /// that nothing needed since the last sweep.
  private static func sweep(_ state: inout State) -> Released {
    var released = Released(pages: state.pages.trim())
    for (capacity, buffers) in state.idle
    where !buffers.isEmpty && state.takes - state.lastTaken[capacity, default: 0] > unusedAfterTakes {
      released.buffers += buffers
      state.idleBytes -= buffers.count * capacity * MemoryLayout<Float>.stride
      state.idle[capacity] = nil
    }
    return released
  }

  /// Gives a buffer from `take` back; it is freed instead when the pool is full.
  static func give(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
    let bytes = capacity * MemoryLayout<Float>.stride
    let address = UInt(bitPattern: pointer)
    let mapped = isMapped(capacity: capacity)
    let released = state.withLock { state -> Released in
      state.liveBytes -= bytes
      if mapped {
        state.pages.give(address)
        // Over the limit (or pooling off): every wholly free segment goes back to the system.
        return state.pages.idleBytes > mappedIdleLimitBytes
          ? Released(pages: state.pages.removeAll()) : Released()
      }
      guard state.idleBytes + bytes <= idleLimitBytes else { return Released(buffers: [address]) }
      state.idle[capacity, default: []].append(address)
      state.idleBytes += bytes
      return Released()
    }
    released.free()
  }

  /// Frees every idle buffer; buffers of live tensors are untouched and still come back later.
  public static func releaseIdle() {
    state.withLock { state -> Released in
      defer {
        state.idle = [:]
        state.idleBytes = 0
      }
      return Released(pages: state.pages.removeAll(), buffers: state.idle.values.flatMap { $0 })
    }.free()
  }

  /// Bytes currently held in idle buffers (for tests and benchmarks).
  public static var idleBytes: Int { state.withLock { $0.idleBytes + $0.pages.idleBytes } }
}
