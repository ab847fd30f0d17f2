// Register transposes for packing transposed operands. Each step is a fixed two-vector lane
// permutation written as a SIMD16 initialiser; LLVM turns it into one shuffle instruction.

extension GEMM {
  @inline(__always) static func lo8(_ a: V, _ b: V) -> V {
    V(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
  }
  @inline(__always) static func hi8(_ a: V, _ b: V) -> V {
    V(a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
  }
  @inline(__always) static func lo4(_ a: V, _ b: V) -> V {
    V(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3], a[8], a[9], a[10], a[11], b[8], b[9], b[10], b[11])
  }
  @inline(__always) static func hi4(_ a: V, _ b: V) -> V {
    V(a[4], a[5], a[6], a[7], b[4], b[5], b[6], b[7], a[12], a[13], a[14], a[15], b[12], b[13], b[14], b[15])
  }
  @inline(__always) static func lo2(_ a: V, _ b: V) -> V {
    V(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5], a[8], a[9], b[8], b[9], a[12], a[13], b[12], b[13])
  }
  @inline(__always) static func hi2(_ a: V, _ b: V) -> V {
    V(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7], a[10], a[11], b[10], b[11], a[14], a[15], b[14], b[15])
  }
  @inline(__always) static func lo1(_ a: V, _ b: V) -> V {
    V(a[0], b[0], a[2], b[2], a[4], b[4], a[6], b[6], a[8], b[8], a[10], b[10], a[12], b[12], a[14], b[14])
  }
  @inline(__always) static func hi1(_ a: V, _ b: V) -> V {
    V(a[1], b[1], a[3], b[3], a[5], b[5], a[7], b[7], a[9], b[9], a[11], b[11], a[13], b[13], a[15], b[15])
  }

  /// Transposes the 16 x 16 block held in r (r.i = row i) in place: four rounds that swap
  /// the off-diagonal quarters of every 16 x 16, 8 x 8, 4 x 4 and then 2 x 2 block, each round
  /// one shuffle per row.
  @inline(__always)
  static func transpose16(_ r: inout (V, V, V, V, V, V, V, V, V, V, V, V, V, V, V, V)) {
    (r.0, r.8) = (lo8(r.0, r.8), hi8(r.0, r.8))
    (r.1, r.9) = (lo8(r.1, r.9), hi8(r.1, r.9))
    (r.2, r.10) = (lo8(r.2, r.10), hi8(r.2, r.10))
    (r.3, r.11) = (lo8(r.3, r.11), hi8(r.3, r.11))
    (r.4, r.12) = (lo8(r.4, r.12), hi8(r.4, r.12))
    (r.5, r.13) = (lo8(r.5, r.13), hi8(r.5, r.13))
    (r.6, r.14) = (lo8(r.6, r.14), hi8(r.6, r.14))
    (r.7, r.15) = (lo8(r.7, r.15), hi8(r.7, r.15))
    (r.0, r.4) = (lo4(r.0, r.4), hi4(r.0, r.4))
    (r.1, r.5) = (lo4(r.1, r.5), hi4(r.1, r.5))
    (r.2, r.6) = (lo4(r.2, r.6), hi4(r.2, r.6))
    (r.3, r.7) = (lo4(r.3, r.7), hi4(r.3, r.7))
    (r.8, r.12) = (lo4(r.8, r.12), hi4(r.8, r.12))
    (r.9, r.13) = (lo4(r.9, r.13), hi4(r.9, r.13))
    (r.10, r.14) = (lo4(r.10, r.14), hi4(r.10, r.14))
    (r.11, r.15) = (lo4(r.11, r.15), hi4(r.11, r.15))
    (r.0, r.2) = (lo2(r.0, r.2), hi2(r.0, r.2))
    (r.1, r.3) = (lo2(r.1, r.3), hi2(r.1, r.3))
    (r.4, r.6) = (lo2(r.4, r.6), hi2(r.4, r.6))
    (r.5, r.7) = (lo2(r.5, r.7), hi2(r.5, r.7))
    (r.8, r.10) = (lo2(r.8, r.10), hi2(r.8, r.10))
    (r.9, r.11) = (lo2(r.9, r.11), hi2(r.9, r.11))
    (r.12, r.14) = (lo2(r.12, r.14), hi2(r.12, r.14))
    (r.13, r.15) = (lo2(r.13, r.15), hi2(r.13, r.15))
    (r.0, r.1) = (lo1(r.0, r.1), hi1(r.0, r.1))
    (r.2, r.3) = (lo1(r.2, r.3), hi1(r.2, r.3))
    (r.4, r.5) = (lo1(r.4, r.5), hi1(r.4, r.5))
    (r.6, r.7) = (lo1(r.6, r.7), hi1(r.6, r.7))
    (r.8, r.9) = (lo1(r.8, r.9), hi1(r.8, r.9))
    (r.10, r.11) = (lo1(r.10, r.11), hi1(r.10, r.11))
    (r.12, r.13) = (lo1(r.12, r.13), hi1(r.12, r.13))
    (r.14, r.15) = (lo1(r.14, r.15), hi1(r.14, r.15))
  }
}
