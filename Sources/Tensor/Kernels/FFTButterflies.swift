/// The butterflies of `FFTPlan`'s passes. Each takes the radix inputs' offsets (x, t-th
/// element of the group), the outputs' offsets (y, u-th), the pass twiddles w^(p u) and the
/// contiguous block length, and loops over the block innermost.
enum FFTButterflies {
  typealias Buffers = (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)

  @inline(__always)
  static func radix2(
    _ x: Buffers, _ y: Buffers, _ i: [Int], _ o: [Int], _ wr: [Float], _ wi: [Float],
    _ block: Int
  ) {
    let (xr0, xi0, xr1, xi1) = (x.0 + i[0], x.1 + i[0], x.0 + i[1], x.1 + i[1])
    let (yr0, yi0, yr1, yi1) = (y.0 + o[0], y.1 + o[0], y.0 + o[1], y.1 + o[1])
    let (cr, ci) = (wr[1], wi[1])
    for b in 0..<block {
      let (ar, ai, br, bi) = (xr0[b], xi0[b], xr1[b], xi1[b])
      yr0[b] = ar + br
      yi0[b] = ai + bi
      let (dr, di) = (ar - br, ai - bi)
      yr1[b] = dr * cr - di * ci
      yi1[b] = dr * ci + di * cr
    }
  }

  @inline(__always)
  static func radix3(
    _ x: Buffers, _ y: Buffers, _ i: [Int], _ o: [Int], _ wr: [Float], _ wi: [Float],
    _ block: Int, _ sign: Float
  ) {
    let c: Float = -0.5
    let s: Float = sign * 0.866_025_403_784_438_6  // sign x sin(2 pi / 3)
    let (xr0, xi0, xr1, xi1, xr2, xi2) = (
      x.0 + i[0], x.1 + i[0], x.0 + i[1], x.1 + i[1], x.0 + i[2], x.1 + i[2]
    )
    let (yr0, yi0, yr1, yi1, yr2, yi2) = (
      y.0 + o[0], y.1 + o[0], y.0 + o[1], y.1 + o[1], y.0 + o[2], y.1 + o[2]
    )
    for b in 0..<block {
      let (sr, si) = (xr1[b] + xr2[b], xi1[b] + xi2[b])
      let (dr, di) = (xr1[b] - xr2[b], xi1[b] - xi2[b])
      let (mr, mi) = (xr0[b] + c * sr, xi0[b] + c * si)
      yr0[b] = xr0[b] + sr
      yi0[b] = xi0[b] + si
      // u = 1: m + i s d, u = 2: m - i s d (s carries the direction's sign).
      let (ar, ai) = (mr - s * di, mi + s * dr)
      let (br, bi) = (mr + s * di, mi - s * dr)
      yr1[b] = ar * wr[1] - ai * wi[1]
      yi1[b] = ar * wi[1] + ai * wr[1]
      yr2[b] = br * wr[2] - bi * wi[2]
      yi2[b] = br * wi[2] + bi * wr[2]
    }
  }

  @inline(__always)
  static func radix4(
    _ x: Buffers, _ y: Buffers, _ i: [Int], _ o: [Int], _ wr: [Float], _ wi: [Float],
    _ block: Int, _ sign: Float
  ) {
    let (xr0, xi0, xr1, xi1) = (x.0 + i[0], x.1 + i[0], x.0 + i[1], x.1 + i[1])
    let (xr2, xi2, xr3, xi3) = (x.0 + i[2], x.1 + i[2], x.0 + i[3], x.1 + i[3])
    let (yr0, yi0, yr1, yi1) = (y.0 + o[0], y.1 + o[0], y.0 + o[1], y.1 + o[1])
    let (yr2, yi2, yr3, yi3) = (y.0 + o[2], y.1 + o[2], y.0 + o[3], y.1 + o[3])
    let (w1r, w1i, w2r, w2i, w3r, w3i) = (wr[1], wi[1], wr[2], wi[2], wr[3], wi[3])
    for b in 0..<block {
      let (s02r, s02i) = (xr0[b] + xr2[b], xi0[b] + xi2[b])
      let (d02r, d02i) = (xr0[b] - xr2[b], xi0[b] - xi2[b])
      let (s13r, s13i) = (xr1[b] + xr3[b], xi1[b] + xi3[b])
      let (d13r, d13i) = (xr1[b] - xr3[b], xi1[b] - xi3[b])
      yr0[b] = s02r + s13r
      yi0[b] = s02i + s13i
      // w_4 = sign x i: u = 1 -> d02 + sign i d13, u = 3 -> d02 - sign i d13.
      let (ar, ai) = (d02r - sign * d13i, d02i + sign * d13r)
      let (cr, ci) = (s02r - s13r, s02i - s13i)
      let (er, ei) = (d02r + sign * d13i, d02i - sign * d13r)
      yr1[b] = ar * w1r - ai * w1i
      yi1[b] = ar * w1i + ai * w1r
      yr2[b] = cr * w2r - ci * w2i
      yi2[b] = cr * w2i + ci * w2r
      yr3[b] = er * w3r - ei * w3i
      yi3[b] = er * w3i + ei * w3r
    }
  }

  /// Any radix by the direct sum over its r inputs (O(r^2) per group); `roots` are
  /// e^(sign 2 pi i j / r) for j < r.
  static func direct(
    _ x: Buffers, _ y: Buffers, _ i: [Int], _ o: [Int], _ wr: [Float], _ wi: [Float],
    _ block: Int, _ roots: [(Float, Float)], _ r: Int
  ) {
    for u in 0..<r {
      let (yr, yi) = (y.0 + o[u], y.1 + o[u])
      for b in 0..<block {
        yr[b] = 0
        yi[b] = 0
      }
      for t in 0..<r {
        let (cr, ci) = roots[(t * u) % r]
        let (xr, xi) = (x.0 + i[t], x.1 + i[t])
        for b in 0..<block {
          let (ar, ai) = (xr[b], xi[b])
          yr[b] += ar * cr - ai * ci
          yi[b] += ar * ci + ai * cr
        }
      }
      let (cr, ci) = (wr[u], wi[u])
      for b in 0..<block {
        let (ar, ai) = (yr[b], yi[b])
        yr[b] = ar * cr - ai * ci
        yi[b] = ar * ci + ai * cr
      }
    }
  }
}
