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
  /// cos and sin of 2 pi j / n for j in 0..<n.
  private let cosines: [Float]
  private let sines: [Float]

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
    let angles = (0..<size).map { 2 * Double.pi * Double($0) / Double(size) }
    cosines = angles.map { Float(cos($0)) }
    sines = angles.map { Float(sin($0)) }
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
    for radix in radices {
      pass(
        radix: radix, length: length, stride: stride, batch: batch, sign: sign,
        from: source, to: target)
      swap(&source, &target)
      length /= radix
      stride *= radix
    }
    if source.0 != real {
      real.update(from: source.0, count: total)
      imaginary.update(from: source.1, count: total)
    }
  }

  /// One Stockham pass: with m = length / radix, for p < m and q < stride,
  /// y[q + stride (radix p + u)] = (sum_t x[q + stride (p + t m)] w_radix^(t u)) w_length^(p u).
  private func pass(
    radix r: Int, length: Int, stride s: Int, batch: Int, sign: Float,
    from x: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
    to y: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
  ) {
    let m = length / r
    let step = size / length  // w_length^j = w_size^(j * step)
    let block = s * batch  // contiguous floats per (p, t) element
    let roots = (0..<r).map { j in (cosines[j * (size / r)], sign * sines[j * (size / r)]) }
    var ar = [Float](repeating: 0, count: r)
    var ai = [Float](repeating: 0, count: r)
    for p in 0..<m {
      // Twiddles w_length^(p u) for u < r.
      for u in 0..<r {
        let j = (p * u * step) % size
        ar[u] = cosines[j]
        ai[u] = sign * sines[j]
      }
      let inputs = (0..<r).map { t in (p + t * m) * block }
      let outputs = (0..<r).map { u in (r * p + u) * block }
      switch r {
      case 2:
        FFTButterflies.radix2(x, y, inputs, outputs, ar, ai, block)
      case 3:
        FFTButterflies.radix3(x, y, inputs, outputs, ar, ai, block, sign)
      case 4:
        FFTButterflies.radix4(x, y, inputs, outputs, ar, ai, block, sign)
      default:
        FFTButterflies.direct(x, y, inputs, outputs, ar, ai, block, roots, r)
      }
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

/// 2-D transforms of a row-major `rows` x `columns` complex grid (split real and imaginary).
public struct FFTPlan2D: Sendable {
  public let rows: Int
  public let columns: Int
  private let rowPlan: FFTPlan
  private let columnPlan: FFTPlan

  public init(rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
    columnPlan = FFTPlan(size: rows)
    rowPlan = rows == columns ? columnPlan : FFTPlan(size: columns)
  }

  /// Floats of scratch `transform` needs.
  public var workCount: Int { 4 * rows * columns }

  /// In place; `work` holds `workCount` floats.
  public func transform(
    real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, inverse: Bool,
    work: UnsafeMutablePointer<Float>
  ) {
    let total = rows * columns
    // Along the columns: element t is row t, all columns at once.
    columnPlan.transform(
      real: real, imaginary: imaginary, batch: columns, inverse: inverse, work: work)
    // Along the rows: transposed, so that element t is column t, all rows at once.
    let (tr, ti) = (work + 2 * total, work + 3 * total)
    Self.transpose(real, rows, columns, into: tr)
    Self.transpose(imaginary, rows, columns, into: ti)
    rowPlan.transform(real: tr, imaginary: ti, batch: rows, inverse: inverse, work: work)
    Self.transpose(tr, columns, rows, into: real)
    Self.transpose(ti, columns, rows, into: imaginary)
  }

  /// `source` (r x c, row-major) into `target` (c x r), in tiles of 32 for the caches.
  static func transpose(
    _ source: UnsafePointer<Float>, _ r: Int, _ c: Int, into target: UnsafeMutablePointer<Float>
  ) {
    let tile = 32
    for i0 in stride(from: 0, to: r, by: tile) {
      for j0 in stride(from: 0, to: c, by: tile) {
        for i in i0..<min(r, i0 + tile) {
          for j in j0..<min(c, j0 + tile) { target[j * r + i] = source[i * c + j] }
        }
      }
    }
  }
}
