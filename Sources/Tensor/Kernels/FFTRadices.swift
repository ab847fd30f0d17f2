/// One group of a Stockham pass: element t of the group at `input + t * step`, output u at
/// `output + u * block`, each a contiguous block of complex values (split real, imaginary).
struct FFTGroup {
  let x: FFTButterflies.Buffers
  let y: FFTButterflies.Buffers
  let input: Int
  let output: Int
  let step: Int
  let block: Int

  @inline(__always)
  func load<V: FFTLanes>(_ t: Int, _ b: Int) -> (V, V) {
    let i = input + t * step + b
    return (V(loading: x.0 + i), V(loading: x.1 + i))
  }

  @inline(__always)
  func store<V: FFTLanes>(_ value: (V, V), _ u: Int, _ b: Int) {
    let o = output + u * block + b
    value.0.store(to: y.0 + o)
    value.1.store(to: y.1 + o)
  }
}

/// The radix-2, 3 and 4 butterflies of `FFTButterflies.pass`, one group each, with the pass
/// twiddles w^(p u) for u >= 1 as (cos, sign-adjusted sin). Generic over the lanes so that one
/// text serves 16, 8 and 1.
struct Radix2: Butterfly {
  let group: FFTGroup
  let w1: (Float, Float)

  @inline(__always)
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int) {
    let (ar, ai): (V, V) = group.load(0, b)
    let (br, bi): (V, V) = group.load(1, b)
    group.store((ar + br, ai + bi), 0, b)
    group.store(fftRotate(ar - br, ai - bi, w1), 1, b)
  }
}

struct Radix3: Butterfly {
  let group: FFTGroup
  let sign: Float
  let w1: (Float, Float)
  let w2: (Float, Float)

  @inline(__always)
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int) {
    let c = V(repeating: -0.5)
    let s = V(repeating: sign * 0.866_025_403_784_438_6)  // sign x sin(2 pi / 3)
    let (x0r, x0i): (V, V) = group.load(0, b)
    let (x1r, x1i): (V, V) = group.load(1, b)
    let (x2r, x2i): (V, V) = group.load(2, b)
    let (sr, si) = (x1r + x2r, x1i + x2i)
    let (dr, di) = (x1r - x2r, x1i - x2i)
    let (mr, mi) = (x0r + c * sr, x0i + c * si)
    group.store((x0r + sr, x0i + si), 0, b)
    // u = 1: m + i s d, u = 2: m - i s d (s carries the direction's sign).
    group.store(fftRotate(mr - s * di, mi + s * dr, w1), 1, b)
    group.store(fftRotate(mr + s * di, mi - s * dr, w2), 2, b)
  }
}

struct Radix4: Butterfly {
  let group: FFTGroup
  let sign: Float
  let w1: (Float, Float)
  let w2: (Float, Float)
  let w3: (Float, Float)

  @inline(__always)
  func apply<V: FFTLanes>(_ lanes: V.Type, at b: Int) {
    let (x0r, x0i): (V, V) = group.load(0, b)
    let (x1r, x1i): (V, V) = group.load(1, b)
    let (x2r, x2i): (V, V) = group.load(2, b)
    let (x3r, x3i): (V, V) = group.load(3, b)
    let (s02r, s02i) = (x0r + x2r, x0i + x2i)
    let (d02r, d02i) = (x0r - x2r, x0i - x2i)
    let (s13r, s13i) = (x1r + x3r, x1i + x3i)
    let (d13r, d13i) = (x1r - x3r, x1i - x3i)
    group.store((s02r + s13r, s02i + s13i), 0, b)
    // w_4 = sign x i: u = 1 -> d02 + sign i d13, u = 3 -> d02 - sign i d13.
    let sign = V(repeating: sign)
    group.store(fftRotate(d02r - sign * d13i, d02i + sign * d13r, w1), 1, b)
    group.store(fftRotate(s02r - s13r, s02i - s13i, w2), 2, b)
    group.store(fftRotate(d02r + sign * d13i, d02i - sign * d13r, w3), 3, b)
  }
}

/// (re + i im) (w.0 + i w.1), lane-wise.
@inline(__always)
func fftRotate<V: FFTLanes>(_ re: V, _ im: V, _ w: (Float, Float)) -> (V, V) {
  let (wr, wi) = (V(repeating: w.0), V(repeating: w.1))
  return (re * wr - im * wi, re * wi + im * wr)
}
