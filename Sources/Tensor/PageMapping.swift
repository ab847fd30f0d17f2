#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Anonymous page mappings for large tensor buffers (`StoragePool`): each buffer its own
/// mapping, so that a buffer handed back to the kernel leaves no hole in glibc's heap, a fresh
/// one arrives zero-filled, and an idle one can be resized for a request of another size,
/// keeping its pages (no page faults for them).
enum PageMapping {
  /// Maps `bytes` (a multiple of the page size) of zeroed, page-aligned memory.
  static func map(bytes: Int) -> UnsafeMutableRawPointer {
    let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    return checked(address, bytes: bytes)
  }

  static func unmap(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
    munmap(pointer, bytes)
  }

  /// The mapping `pointer` of `bytes` resized to `newBytes` (page multiples): a shrink unmaps
  /// the tail in place; a growth moves the pages where needed (Linux `mremap`, no copy) and
  /// maps zeroed ones after them. Where `mremap` is missing, a new mapping replaces it.
  static func resize(
    _ pointer: UnsafeMutableRawPointer, bytes: Int, to newBytes: Int
  ) -> UnsafeMutableRawPointer {
    if newBytes <= bytes {
      if newBytes < bytes { unmap(pointer + newBytes, bytes: bytes - newBytes) }
      return pointer
    }
    if let remap = remapFunction {
      return checked(remap(pointer, bytes, newBytes, 1 /* MREMAP_MAYMOVE */), bytes: newBytes)
    }
    unmap(pointer, bytes: bytes)
    return map(bytes: newBytes)
  }

  /// `mremap`, looked up at run time: it is variadic in C (a fifth argument with
  /// MREMAP_FIXED only), which Swift does not import; called with the four fixed arguments.
  private typealias Remap =
    @convention(c) (UnsafeMutableRawPointer?, Int, Int, Int32) -> UnsafeMutableRawPointer?
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
