import Foundation

/// One Stockham pass of `FFTPlan` and its butterflies. With m groups and a contiguous block of
/// `block` values per element, for p < m and u < radix:
///
///   y[(radix p + u) block + b] = (sum_t x[(p + t m) block + b] w_radix^(t u)) w_length^(p u).
///
/// The loops over a block run 16 lanes at a time (`SIMD16<Float>`; a strip of a 2-D transform
/// is 16 wide, so all of its passes are whole vectors), then 8, then one. Left to the
/// auto-vectoriser, a block of 16 ran scalar: it vectorises 32 at a time and falls to its
/// remainder loop below that.
enum FFTButterflies {
  typealias Buffers = (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
  typealias Twiddles = (UnsafePointer<Float>, UnsafePointer<Float>)

  static func pass(
    radix r: Int, groups m: Int, block: Int, sign: Float, twiddles: Twiddles,
    from x: Buffers, to y: Buffers
  ) {
    for p in 0..<m {
      // Element t of group p starts at (p + t m) block; output u at (r p + u) block.
      let input = p * block
      let output = r * p * block
      let (wr, wi) = (twiddles.0 + r * p, twiddles.1 + r * p)
      let group = FFTGroup(x: x, y: y, input: input, output: output, step: m * block, block: block)
      switch r {
      case 2:
        sweep(Radix2(group: group, w1: (wr[1], sign * wi[1])), block: block)
      case 3:
        sweep(
          Radix3(group: group, sign: sign, w1: (wr[1], sign * wi[1]), w2: (wr[2], sign * wi[2])),
          block: block)
      case 4:
        sweep(
          Radix4(
            group: group, sign: sign, w1: (wr[1], sign * wi[1]), w2: (wr[2], sign * wi[2]),
            w3: (wr[3], sign * wi[3])), block: block)
      default:
        direct(
          x, y, radix: r, input: input, output: output, step: m * block, block: block,
          sign: sign, twiddles: (wr, wi))
      }
    }
  }

  /// `butterfly` over a block: 16 lanes, then 8, then one at a time.
  @inline(__always)
  private static func sweep<B: Butterfly>(_ butterfly: B, block: Int) {
    var b = 0
    while b + 16 <= block {
      butterfly.apply(SIMD16<Float>.self, at: b)
      b += 16
    }
    if b + 8 <= block {
      butterfly.apply(SIMD8<Float>.self, at: b)
      b += 8
    }
    while b < block {
      butterfly.apply(Float.self, at: b)
      b += 1
    }
  }

  /// Any radix by the direct sum over its r inputs (O(r^2) per group): correct for any prime,
  /// fast for none; the plans the t-SNE grid uses have no such factor.
  private static func direct(
    _ x: Buffers, _ y: Buffers, radix r: Int, input: Int, output: Int, step: Int, block: Int,
    sign: Float, twiddles: Twiddles
  ) {
    for u in 0..<r {
      let (yr, yi) = (y.0 + output + u * block, y.1 + output + u * block)
      for b in 0..<block {
        yr[b] = 0
        yi[b] = 0
      }
      for t in 0..<r {
        let angle = 2 * Double.pi * Double((t * u) % r) / Double(r)
        let (cr, ci) = (Float(cos(angle)), sign * Float(sin(angle)))
        let (xr, xi) = (x.0 + input + t * step, x.1 + input + t * step)
        for b in 0..<block {
          let (ar, ai) = (xr[b], xi[b])
          yr[b] += ar * cr - ai * ci
          yi[b] += ar * ci + ai * cr
        }
      }
      let (cr, ci) = (twiddles.0[u], sign * twiddles.1[u])
      for b in 0..<block {
        let (ar, ai) = (yr[b], yi[b])
        yr[b] = ar * cr - ai * ci
        yi[b] = ar * ci + ai * cr
      }
    }
  }
}

/// What the butterflies compute on: one Float or a vector of them. `@usableFromInline` because
/// its operator requirements join every `+`, `-` and `*` lookup in the module, and the
/// `@_transparent` vector maths (VectorMath.swift) may not reference internal declarations.
@usableFromInline protocol FFTLanes {
  init(repeating: Float)
  init(loading: UnsafePointer<Float>)
  func store(to: UnsafeMutablePointer<Float>)
  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
}

extension Float: FFTLanes {
  @usableFromInline @inline(__always) init(repeating value: Float) { self = value }
  @usableFromInline @inline(__always) init(loading pointer: UnsafePointer<Float>) { self = pointer.pointee }
  @usableFromInline @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) { pointer.pointee = self }
}

extension SIMD8: FFTLanes where Scalar == Float {
  @usableFromInline @inline(__always) init(loading pointer: UnsafePointer<Float>) {
    self = UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
  }
  @usableFromInline @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
  }
}

extension SIMD16: FFTLanes where Scalar == Float {
  @usableFromInline @inline(__always) init(loading pointer: UnsafePointer<Float>) {
    self = UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
  }
  @usableFromInline @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
  }
}

/// A butterfly over lanes `b ..< b + width` of its group's block.
protocol Butterfly {
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int)
}
