#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Anonymous page mappings for the segments of large tensor buffers (`StoragePool`,
/// `PageArena`): a segment handed back to the kernel leaves no hole in glibc's heap, and a
/// fresh one arrives zero-filled.
enum PageMapping {
  /// Maps `bytes` (a multiple of the page size) of zeroed, page-aligned memory.
  static func map(bytes: Int) -> UnsafeMutableRawPointer {
    let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    return checked(address, bytes: bytes)
  }

  static func unmap(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
    munmap(pointer, bytes)
  }

  private static func checked(_ address: UnsafeMutableRawPointer?, bytes: Int) -> UnsafeMutableRawPointer {
    guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
      // As `UnsafeMutableRawPointer.allocate` does when malloc fails: nothing to recover.
      fatalError("out of memory: could not map \(bytes) bytes for a tensor (errno \(errno))")
    }
    return address
  }
}
