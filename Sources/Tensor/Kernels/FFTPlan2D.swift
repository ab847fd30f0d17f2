import Foundation

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
          Self.copy(grid.0 + t * columns + first, to: sr + t * w, count: w)
          Self.copy(grid.1 + t * columns + first, to: si + t * w, count: w)
        }
        columnPlan.transform(
          real: sr, imaginary: si, batch: w, inverse: inverse, work: buffer + 2 * rows * w)
        for t in 0..<rows {
          Self.copy(sr + t * w, to: grid.0 + t * columns + first, count: w)
          Self.copy(si + t * w, to: grid.1 + t * columns + first, count: w)
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
        let (gr, gi) = (grid.0 + first * columns, grid.1 + first * columns)
        Self.transpose(gr, columns, into: sr, w, rows: w, columns: columns)
        Self.transpose(gi, columns, into: si, w, rows: w, columns: columns)
        rowPlan.transform(
          real: sr, imaginary: si, batch: w, inverse: inverse, work: buffer + 2 * columns * w)
        Self.transpose(sr, w, into: gr, columns, rows: columns, columns: w)
        Self.transpose(si, w, into: gi, columns, rows: columns, columns: w)
      }
    }
  }

  /// `count` floats from `source` to `target`: one vector for a whole strip row (a library
  /// `memmove` per 16 floats cost 17% of a t-SNE FFT gradient at 50,000 points).
  @inline(__always)
  private static func copy(
    _ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int
  ) {
    if count == 16 {
      UnsafeMutableRawPointer(target).storeBytes(
        of: UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
    } else {
      for k in 0..<count { target[k] = source[k] }
    }
  }

  /// target[c * targetStride + r] = source[r * sourceStride + c] for r < rows, c < columns, by
  /// tiles of 16 x 16: the tile's 16 source rows are copied as vectors into a contiguous tile
  /// (16 rows of a 2,048-column grid lie 8 KB apart, all in one set of the L1 cache, which holds
  /// 8 of them), then read down its columns into one vector store per target row.
  private static func transpose(
    _ source: UnsafePointer<Float>, _ sourceStride: Int, into target: UnsafeMutablePointer<Float>,
    _ targetStride: Int, rows: Int, columns: Int
  ) {
    typealias V = SIMD16<Float>
    let side = 16
    withUnsafeTemporaryAllocation(of: Float.self, capacity: side * side) { tile in
      let tile = tile.baseAddress!
      for r0 in stride(from: 0, to: rows, by: side) {
        for c0 in stride(from: 0, to: columns, by: side) {
          let (height, width) = (min(side, rows - r0), min(side, columns - c0))
          let corner = source + r0 * sourceStride + c0
          guard height == side && width == side else {
            for r in 0..<height {
              for c in 0..<width { target[(c0 + c) * targetStride + r0 + r] = corner[r * sourceStride + c] }
            }
            continue
          }
          for r in 0..<side {
            UnsafeMutableRawPointer(tile + r * side).storeBytes(
              of: UnsafeRawPointer(corner + r * sourceStride).loadUnaligned(as: V.self), as: V.self)
          }
          for c in 0..<side {
            var v = V()
            for r in 0..<side { v[r] = tile[r * side + c] }
            UnsafeMutableRawPointer(target + (c0 + c) * targetStride + r0).storeBytes(
              of: v, as: V.self)
          }
        }
      }
    }
  }
}
