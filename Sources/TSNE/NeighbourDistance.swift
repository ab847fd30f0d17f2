/// The approximate search's distance kernels over raw rows (measured directly, not by the GEMM
/// expansion: NN-descent reads the uncentred input, where |a|^2 + |b|^2 - 2 a.b would cancel).
///
/// A squared distance sums 8-lane fused multiply-adds in two accumulators (even and odd groups
/// of 8 columns), so two dependent chains per pair. The four-row form measures one row
/// against four others with eight chains, loading the first row once per group: the local
/// join's pairs share a row, and one pair's chains alone wait on the multiply-add latency.
/// Both forms do the same operations in the same order per pair, so a pair's distance has the
/// same bits whichever measured it.
enum NeighbourDistance {
  typealias V = SIMD8<Float>

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }

  @inline(__always)
  static func squared(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var (even, odd) = (V(), V())
    var t = 0
    while t + 16 <= n {
      let d0 = load(a + t) - load(b + t)
      let d1 = load(a + t + 8) - load(b + t + 8)
      even.addProduct(d0, d0)
      odd.addProduct(d1, d1)
      t += 16
    }
    if t + 8 <= n {
      let d0 = load(a + t) - load(b + t)
      even.addProduct(d0, d0)
      t += 8
    }
    var tail: Float = 0
    while t < n {
      let d = a[t] - b[t]
      tail += d * d
      t += 1
    }
    return (even + odd).sum() + tail
  }

  /// `squared(a, b_i, n)` for four rows b_i at once (the same bits).
  @inline(__always)
  static func squared(
    _ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
    _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int
  ) -> SIMD4<Float> {
    var (even0, odd0, even1, odd1) = (V(), V(), V(), V())
    var (even2, odd2, even3, odd3) = (V(), V(), V(), V())
    var t = 0
    while t + 16 <= n {
      let (x0, x1) = (load(a + t), load(a + t + 8))
      @inline(__always) func add(_ b: UnsafePointer<Float>, _ even: inout V, _ odd: inout V) {
        let (d0, d1) = (x0 - load(b + t), x1 - load(b + t + 8))
        even.addProduct(d0, d0)
        odd.addProduct(d1, d1)
      }
      add(b0, &even0, &odd0)
      add(b1, &even1, &odd1)
      add(b2, &even2, &odd2)
      add(b3, &even3, &odd3)
      t += 16
    }
    if t + 8 <= n {
      let x0 = load(a + t)
      @inline(__always) func add(_ b: UnsafePointer<Float>, _ even: inout V) {
        let d0 = x0 - load(b + t)
        even.addProduct(d0, d0)
      }
      add(b0, &even0)
      add(b1, &even1)
      add(b2, &even2)
      add(b3, &even3)
      t += 8
    }
    var tail = SIMD4<Float>()
    while t < n {
      let d = SIMD4(a[t] - b0[t], a[t] - b1[t], a[t] - b2[t], a[t] - b3[t])
      tail += d * d
      t += 1
    }
    return SIMD4(
      (even0 + odd0).sum(), (even1 + odd1).sum(), (even2 + odd2).sum(), (even3 + odd3).sum())
      + tail
  }

  /// a . b, for the random-projection trees' hyperplanes.
  @inline(__always)
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var (even, odd) = (V(), V())
    var t = 0
    while t + 16 <= n {
      even.addProduct(load(a + t), load(b + t))
      odd.addProduct(load(a + t + 8), load(b + t + 8))
      t += 16
    }
    if t + 8 <= n {
      even.addProduct(load(a + t), load(b + t))
      t += 8
    }
    var tail: Float = 0
    while t < n {
      tail += a[t] * b[t]
      t += 1
    }
    return (even + odd).sum() + tail
  }
}
