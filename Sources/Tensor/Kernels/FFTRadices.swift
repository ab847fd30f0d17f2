/// The radix-2, 3 and 4 butterflies of `FFTButterflies.pass`, one group each: inputs at
/// `input + t * step`, outputs at `output + u * block`, the pass twiddles w^(p u) for u >= 1 as
/// (cos, sign-adjusted sin). Generic over the lanes so that one text serves 16, 8 and 1.
struct Radix2: Butterfly {
  let x: FFTButterflies.Buffers
  let y: FFTButterflies.Buffers
  let input: Int
  let output: Int
  let step: Int
  let block: Int
  let w1: (Float, Float)

  @inline(__always)
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int) {
    let (i0, i1) = (input + b, input + step + b)
    let (ar, ai) = (V(loading: x.0 + i0), V(loading: x.1 + i0))
    let (br, bi) = (V(loading: x.0 + i1), V(loading: x.1 + i1))
    let (o0, o1) = (output + b, output + block + b)
    (ar + br).store(to: y.0 + o0)
    (ai + bi).store(to: y.1 + o0)
    let (dr, di) = fftRotate(ar - br, ai - bi, w1)
    dr.store(to: y.0 + o1)
    di.store(to: y.1 + o1)
  }
}

struct Radix3: Butterfly {
  let x: FFTButterflies.Buffers
  let y: FFTButterflies.Buffers
  let input: Int
  let output: Int
  let step: Int
  let block: Int
  let sign: Float
  let w1: (Float, Float)
  let w2: (Float, Float)

  @inline(__always)
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int) {
    let c = V(repeating: -0.5)
    let s = V(repeating: sign * 0.866_025_403_784_438_6)  // sign x sin(2 pi / 3)
    let (i0, i1, i2) = (input + b, input + step + b, input + 2 * step + b)
    let (x0r, x0i) = (V(loading: x.0 + i0), V(loading: x.1 + i0))
    let (x1r, x1i) = (V(loading: x.0 + i1), V(loading: x.1 + i1))
    let (x2r, x2i) = (V(loading: x.0 + i2), V(loading: x.1 + i2))
    let (sr, si) = (x1r + x2r, x1i + x2i)
    let (dr, di) = (x1r - x2r, x1i - x2i)
    let (mr, mi) = (x0r + c * sr, x0i + c * si)
    let o = output + b
    (x0r + sr).store(to: y.0 + o)
    (x0i + si).store(to: y.1 + o)
    // u = 1: m + i s d, u = 2: m - i s d (s carries the direction's sign).
    let (ar, ai) = fftRotate(mr - s * di, mi + s * dr, w1)
    let (br, bi) = fftRotate(mr + s * di, mi - s * dr, w2)
    ar.store(to: y.0 + o + block)
    ai.store(to: y.1 + o + block)
    br.store(to: y.0 + o + 2 * block)
    bi.store(to: y.1 + o + 2 * block)
  }
}

struct Radix4: Butterfly {
  let x: FFTButterflies.Buffers
  let y: FFTButterflies.Buffers
  let input: Int
  let output: Int
  let step: Int
  let block: Int
  let sign: Float
  let w1: (Float, Float)
  let w2: (Float, Float)
  let w3: (Float, Float)

  @inline(__always)
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int) {
    let (i0, i1) = (input + b, input + step + b)
    let (i2, i3) = (input + 2 * step + b, input + 3 * step + b)
    let (x0r, x0i) = (V(loading: x.0 + i0), V(loading: x.1 + i0))
    let (x1r, x1i) = (V(loading: x.0 + i1), V(loading: x.1 + i1))
    let (x2r, x2i) = (V(loading: x.0 + i2), V(loading: x.1 + i2))
    let (x3r, x3i) = (V(loading: x.0 + i3), V(loading: x.1 + i3))
    let (s02r, s02i) = (x0r + x2r, x0i + x2i)
    let (d02r, d02i) = (x0r - x2r, x0i - x2i)
    let (s13r, s13i) = (x1r + x3r, x1i + x3i)
    let (d13r, d13i) = (x1r - x3r, x1i - x3i)
    let o = output + b
    (s02r + s13r).store(to: y.0 + o)
    (s02i + s13i).store(to: y.1 + o)
    // w_4 = sign x i: u = 1 -> d02 + sign i d13, u = 3 -> d02 - sign i d13.
    let sign = V(repeating: sign)
    let (ar, ai) = fftRotate(d02r - sign * d13i, d02i + sign * d13r, w1)
    let (cr, ci) = fftRotate(s02r - s13r, s02i - s13i, w2)
    let (er, ei) = fftRotate(d02r + sign * d13i, d02i - sign * d13r, w3)
    ar.store(to: y.0 + o + block)
    ai.store(to: y.1 + o + block)
    cr.store(to: y.0 + o + 2 * block)
    ci.store(to: y.1 + o + 2 * block)
    er.store(to: y.0 + o + 3 * block)
    ei.store(to: y.1 + o + 3 * block)
  }
}

/// (re + i im) (w.0 + i w.1), lane-wise.
@inline(__always)
func fftRotate<V: FFTLanes>(_ re: V, _ im: V, _ w: (Float, Float)) -> (V, V) {
  let (wr, wi) = (V(repeating: w.0), V(repeating: w.1))
  return (re * wr - im * wi, re * wi + im * wr)
}
