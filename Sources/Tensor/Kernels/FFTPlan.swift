import Foundation

/// A fast Fourier transform over sizes whose prime factors are small (radix-2, 3, 4 and 5
/// butterflies; any other prime factor by a direct sum, which is correct but slow), as a
/// Stockham auto-sort decimation in frequency: no bit reversal, every pass reads one buffer and
/// writes the other.
///
/// The transform is *batched*: element t of a sequence is a contiguous run of `batch` complex
/// values (split into real and imaginary arrays), and all `batch` sequences are transformed
/// at once. The innermost loops then run over contiguous memory, so the column pass of a 2-D
/// transform (`batch` = the row length) vectorises without a transpose.
///
/// X[u] = sum_t x[t] e^(-2 pi i t u / n) forward; the inverse uses +i and does not divide by n.
public struct FFTPlan: Sendable {
  public let size: Int
  /// The radices, in the order the passes use them.
  let radices: [Int]
  /// Per pass, the twiddles w_length^(p u) of the forward direction for p < m and u < radix,
  /// (cos, sin) at `(passStart + p * radix + u)`: looked up once per group of `block` values
  /// instead of computed from a table of n roots with a modulo (the inverse negates the sines).
  private let twiddleCosines: [Float]
  private let twiddleSines: [Float]
  private let passStarts: [Int]

  public init(size: Int) {
    precondition(size >= 1, "an FFT needs at least one point")
    self.size = size
    var radices: [Int] = []
    var rest = size
    for radix in [4, 2, 3, 5] {
      while rest % radix == 0 {
        radices.append(radix)
        rest /= radix
      }
    }
    var factor = 7
    while rest > 1 {
      while rest % factor == 0 {
        radices.append(factor)
        rest /= factor
      }
      factor += 2
    }
    self.radices = radices
    var (cosines, sines, starts): ([Float], [Float], [Int]) = ([], [], [])
    var length = size
    for radix in radices {
      starts.append(cosines.count)
      let m = length / radix
      for p in 0..<m {
        for u in 0..<radix {
          let angle = 2 * Double.pi * Double((p * u * (size / length)) % size) / Double(size)
          cosines.append(Float(cos(angle)))
          sines.append(Float(sin(angle)))
        }
      }
      length = m
    }
    twiddleCosines = cosines
    twiddleSines = sines
    passStarts = starts
  }

  /// Whether every prime factor of `size` is 2, 3 or 5 (the fast radices).
  public static func isSmooth(_ size: Int) -> Bool {
    guard size >= 1 else { return false }
    var rest = size
    for p in [2, 3, 5] { while rest % p == 0 { rest /= p } }
    return rest == 1
  }

  /// The smallest smooth size at least `minimum`.
  public static func smoothSize(atLeast minimum: Int) -> Int {
    var size = max(1, minimum)
    while !isSmooth(size) { size += 1 }
    return size
  }

  /// Transforms `batch` sequences in place: `real[t * batch + b]` and `imaginary[...]` hold
  /// element t of sequence b. `work` needs room for 2 * size * batch floats.
  public func transform(
    real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, batch: Int,
    inverse: Bool, work: UnsafeMutablePointer<Float>
  ) {
    let total = size * batch
    var source = (real, imaginary)
    var target = (work, work + total)
    var length = size
    var stride = 1
    let sign: Float = inverse ? 1 : -1
    twiddleCosines.withUnsafeBufferPointer { cosines in
      twiddleSines.withUnsafeBufferPointer { sines in
        for (index, radix) in radices.enumerated() {
          let start = passStarts[index]
          FFTButterflies.pass(
            radix: radix, groups: length / radix, block: stride * batch, sign: sign,
            twiddles: (cosines.baseAddress! + start, sines.baseAddress! + start),
            from: source, to: target)
          swap(&source, &target)
          length /= radix
          stride *= radix
        }
      }
    }
    if source.0 != real {
      real.update(from: source.0, count: total)
      imaginary.update(from: source.1, count: total)
    }
  }
}

extension FFTPlan {
  /// The transform of one real sequence of even length `2 * size` by a complex transform of
  /// `size` points (the standard packing: z[t] = x[2t] + i x[2t+1]); returns the `size + 1`
  /// non-redundant coefficients X[0...size] (X[2 size - u] is the conjugate of X[u]).
  public func realForward(_ input: [Float]) -> (real: [Float], imaginary: [Float]) {
    precondition(input.count == 2 * size, "realForward takes 2 x size values")
    var zr = (0..<size).map { input[2 * $0] }
    var zi = (0..<size).map { input[2 * $0 + 1] }
    var work = [Float](repeating: 0, count: 2 * size)
    zr.withUnsafeMutableBufferPointer { zr in
      zi.withUnsafeMutableBufferPointer { zi in
        work.withUnsafeMutableBufferPointer { work in
          transform(
            real: zr.baseAddress!, imaginary: zi.baseAddress!, batch: 1, inverse: false,
            work: work.baseAddress!)
        }
      }
    }
    // X[u] = E[u] + w^u O[u], with E = (Z[u] + conj Z[n-u]) / 2, O = (Z[u] - conj Z[n-u]) / 2i
    // and w = e^(-i pi u / n).
    var real = [Float](repeating: 0, count: size + 1)
    var imaginary = [Float](repeating: 0, count: size + 1)
    for u in 0...size {
      let a = u % size
      let b = (size - u) % size
      let er = (Double(zr[a]) + Double(zr[b])) / 2
      let ei = (Double(zi[a]) - Double(zi[b])) / 2
      let or = (Double(zi[a]) + Double(zi[b])) / 2
      let oi = -(Double(zr[a]) - Double(zr[b])) / 2
      let angle = -Double.pi * Double(u) / Double(size)
      let (c, s) = (cos(angle), sin(angle))
      real[u] = Float(er + c * or - s * oi)
      imaginary[u] = Float(ei + c * oi + s * or)
    }
    return (real, imaginary)
  }
}
