import Synchronization

extension GEMM {
  /// One packing buffer: 64-byte aligned, `capacity` floats.
  struct PackingBuffer: @unchecked Sendable {
    let floats: UnsafeMutablePointer<Float>
    let capacity: Int
  }

  /// Idle packing buffers, shared by all threads. A product takes one per thread and gives it
  /// back, so a handful covers the usual case; the biggest is 4.4 MiB (kc x nc plus mc x kc).
  enum PackingBuffers {
    private static let idle = Mutex<[PackingBuffer]>([])
    /// Idle buffers kept; more are freed when given back.
    private static let kept = 4
    /// Smallest buffer, so that small products of different shapes share buffers.
    private static let minimumCapacity = 16384

    static func take(floats: Int) -> PackingBuffer {
      let found = idle.withLock { idle -> PackingBuffer? in
        guard let index = idle.firstIndex(where: { $0.capacity >= floats }) else { return nil }
        return idle.remove(at: index)
      }
      if let found { return found }
      var capacity = minimumCapacity
      while capacity < floats { capacity *= 2 }
      let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
      return PackingBuffer(floats: raw.bindMemory(to: Float.self, capacity: capacity), capacity: capacity)
    }

    static func give(_ buffer: PackingBuffer) {
      let dropped = idle.withLock { idle -> PackingBuffer? in
        // Keep the biggest ones, smallest first so that small requests find small buffers.
        let index = idle.firstIndex(where: { $0.capacity >= buffer.capacity }) ?? idle.count
        idle.insert(buffer, at: index)
        return idle.count > kept ? idle.removeFirst() : nil
      }
      dropped?.floats.deallocate()
    }
  }
}
