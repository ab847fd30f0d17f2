/// A contiguous, 64-byte aligned Float32 buffer (aligned for 512-bit SIMD loads).
///
/// Storage has reference semantics on purpose: the optimizer updates parameters in place and a
/// momentum copy reads them, so every `Tensor` viewing a parameter sees the same numbers.
/// `@unchecked Sendable`: raw memory, which an owner hands from thread to thread, never shares.
public final class TensorStorage: @unchecked Sendable {
  public let count: Int
  public let pointer: UnsafeMutablePointer<Float>

  /// Allocates `count` floats; `zeroed: false` leaves them uninitialised for kernels that
  /// overwrite every element.
  public init(count: Int, zeroed: Bool = true) {
    self.count = count
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
    if zeroed { pointer.initialize(repeating: 0, count: count) }
  }

  public convenience init(_ values: [Float]) {
    self.init(count: values.count, zeroed: false)
    values.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { pointer.update(from: base, count: count) }
    }
  }

  deinit { UnsafeMutableRawPointer(pointer).deallocate() }

  public var buffer: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: pointer, count: count)
  }

  public func copy() -> TensorStorage {
    let result = TensorStorage(count: count, zeroed: false)
    result.pointer.update(from: pointer, count: count)
    return result
  }

  public var array: [Float] { Array(buffer) }
}
