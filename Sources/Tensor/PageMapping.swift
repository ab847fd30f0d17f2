#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Anonymous page mappings for large tensor buffers (`StoragePool`): each buffer its own
/// mapping, so that a buffer handed back to the kernel leaves no hole in glibc's heap, a fresh
/// one arrives zero-filled, and idle ones can be cut or grown for a request of another size,
/// keeping their pages (no page faults for them).
enum PageMapping {
  /// Maps `bytes` (a multiple of the page size) of zeroed, page-aligned memory.
  static func map(bytes: Int) -> UnsafeMutableRawPointer {
    let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    return checked(address, bytes: bytes)
  }

  static func unmap(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
    munmap(pointer, bytes)
  }

  /// The mapping `pointer` of `bytes` grown to `newBytes` (page multiples), its pages kept:
  /// extended in place or moved without copying (Linux `mremap`), the new tail zeroed pages.
  /// The range must lie within one kernel mapping. Where `mremap` is missing, a new mapping
  /// replaces it.
  static func grow(_ pointer: UnsafeMutableRawPointer, bytes: Int, to newBytes: Int) -> UnsafeMutableRawPointer {
    guard let remap = remapFunction else {
      unmap(pointer, bytes: bytes)
      return map(bytes: newBytes)
    }
    return checked(remap(pointer, bytes, newBytes, mayMove, nil), bytes: newBytes)
  }

  /// MREMAP_MAYMOVE (linux/mman.h).
  private static let mayMove: Int32 = 1

  /// `mremap`, looked up at run time: it is variadic in C (a new address, read with
  /// MREMAP_FIXED only), which Swift does not import; called with all five arguments.
  private typealias Remap =
    @convention(c) (UnsafeMutableRawPointer?, Int, Int, Int32, UnsafeMutableRawPointer?) ->
    UnsafeMutableRawPointer?
  private static let remapFunction: Remap? = {
    #if os(Linux)
      if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mremap") {
        return unsafeBitCast(symbol, to: Remap.self)
      }
    #endif
    return nil
  }()

  private static func checked(_ address: UnsafeMutableRawPointer?, bytes: Int) -> UnsafeMutableRawPointer {
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      // As `UnsafeMutableRawPointer.allocate` does when malloc fails: nothing to recover.
      fatalError("out of memory: could not map \(bytes) bytes for a tensor (errno \(errno))")
    }
    return address
  }
}
