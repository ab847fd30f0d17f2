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
    // Updated in place: a small transform in cache (a strip of a 2-D grid) runs this loop
    // thousands of times, and two arrays allocated per group cost more than its butterflies.
    var inputs = [Int](repeating: 0, count: r)
    var outputs = [Int](repeating: 0, count: r)
    for p in 0..<m {
      // Twiddles w_length^(p u) for u < r.
      for u in 0..<r {
        let j = (p * u * step) % size
        ar[u] = cosines[j]
        ai[u] = sign * sines[j]
        inputs[u] = (p + u * m) * block
        outputs[u] = (r * p + u) * block
      }
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
///
/// Each direction is done in strips of `stripWidth` columns (or rows) copied into a small
/// buffer and transformed there as one batch: a strip of a 2,048-point grid is 256 KB and stays
/// in cache through all its radix passes, where whole-grid passes streamed the grid (33 MB at
/// 2,048^2) through memory once per pass and once per transpose. Strips run on the compute
/// threads; each is transformed by one thread with the same operations whatever the thread
/// count, so the result does not depend on it.
public struct FFTPlan2D: Sendable {
  public let rows: Int
  public let columns: Int
  private let rowPlan: FFTPlan
  private let columnPlan: FFTPlan
  /// Columns (or rows) per strip: 16 floats are one or two vectors of the innermost loops.
  static let stripWidth = 16

  public init(rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
    columnPlan = FFTPlan(size: rows)
    rowPlan = rows == columns ? columnPlan : FFTPlan(size: columns)
  }

  /// In place. Zero padding need not be transformed: with `inputColumns` (forward transforms
  /// of zero-padded data) the columns from there on must be zero on input and are not
  /// transformed along the columns (their transform is zero); with `outputColumns` only the
  /// columns below it are computed (the others hold partial results). At most one of the two.
  public func transform(
    real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>, inverse: Bool,
    inputColumns: Int? = nil, outputColumns: Int? = nil
  ) {
    precondition(inputColumns == nil || outputColumns == nil, "at most one restriction")
    let grid = (real, imaginary)
    if let outputColumns {
      alongRows(grid, inverse: inverse)
      alongColumns(grid, 0..<min(columns, outputColumns), inverse: inverse)
    } else {
      alongColumns(grid, 0..<min(columns, inputColumns ?? columns), inverse: inverse)
      alongRows(grid, inverse: inverse)
    }
  }

  private typealias Grid = (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)

  /// The transforms of the columns in `range` (length `rows` each), a strip at a time.
  private func alongColumns(_ grid: Grid, _ range: Range<Int>, inverse: Bool) {
    let width = Self.stripWidth
    let strips = (range.count + width - 1) / width
    let (rows, columns) = (rows, columns)
    Parallel.forChunks(count: strips, minimumPerThread: 2) { chunk in
      let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4 * rows * width)
      defer { buffer.deallocate() }
      for strip in chunk {
        let first = range.lowerBound + strip * width
        let w = min(width, range.upperBound - first)  // (rows, w) in the strip
        let (sr, si) = (buffer, buffer + rows * w)
        for t in 0..<rows {
          (sr + t * w).update(from: grid.0 + t * columns + first, count: w)
          (si + t * w).update(from: grid.1 + t * columns + first, count: w)
        }
        columnPlan.transform(
          real: sr, imaginary: si, batch: w, inverse: inverse, work: buffer + 2 * rows * w)
        for t in 0..<rows {
          (grid.0 + t * columns + first).update(from: sr + t * w, count: w)
          (grid.1 + t * columns + first).update(from: si + t * w, count: w)
        }
      }
    }
  }

  /// The transforms of every row (length `columns`), a strip of rows at a time, transposed
  /// into the strip so that the batch runs innermost.
  private func alongRows(_ grid: Grid, inverse: Bool) {
    let width = Self.stripWidth
    let strips = (rows + width - 1) / width
    let (rows, columns) = (rows, columns)
    Parallel.forChunks(count: strips, minimumPerThread: 2) { chunk in
      let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4 * columns * width)
      defer { buffer.deallocate() }
      for strip in chunk {
        let first = strip * width
        let w = min(width, rows - first)  // (columns, w) in the strip
        let (sr, si) = (buffer, buffer + columns * w)
        for b in 0..<w {
          let (gr, gi) = (grid.0 + (first + b) * columns, grid.1 + (first + b) * columns)
          for t in 0..<columns {
            sr[t * w + b] = gr[t]
            si[t * w + b] = gi[t]
          }
        }
        rowPlan.transform(
          real: sr, imaginary: si, batch: w, inverse: inverse, work: buffer + 2 * columns * w)
        for b in 0..<w {
          let (gr, gi) = (grid.0 + (first + b) * columns, grid.1 + (first + b) * columns)
          for t in 0..<columns {
            gr[t] = sr[t * w + b]
            gi[t] = si[t * w + b]
          }
        }
      }
    }
  }
}
