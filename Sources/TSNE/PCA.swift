import Tensor

/// The leading principal components of centred data, for t-SNE's initialisation.
///
/// Subspace iteration on the covariance (V <- X^T (X V), re-orthonormalised) with a block wider
/// than the components wanted, then a Rayleigh-Ritz step; each product is two GEMMs, so the
/// cost is O(N D) per sweep whatever D is. Signs follow scikit-learn's `svd_flip`: the entry of
/// largest magnitude in each component is positive. The start block comes from a fixed seed,
/// so the result never depends on the caller's seed or the thread count.
enum PrincipalComponents {
  /// `components` projections of each point (count x components, row-major) of centred
  /// `data`, or of `data` less its column `means` (subtracted from each product instead of from
  /// a copy of the data). Stops early (the result then unusable) once `monitor` cancels.
  static func project(
    _ data: [Float], means: [Float]? = nil, count: Int, dimensions: Int, components: Int,
    sweeps: Int = 60, monitor: TSNEPreparationMonitor = .none
  ) -> [Float] {
    let width = min(dimensions, components + 6)
    var random = RandomGenerator(seed: 0x5043_4131)
    var basis = (0..<(dimensions * width)).map { _ in Float(random.nextNormal()) }  // (D, width)
    orthonormalise(&basis, rows: dimensions, columns: width)
    var scores = [Float](repeating: 0, count: count * width)  // (N, width)
    for sweep in 0..<sweeps {
      if monitor.isCancelled { break }
      monitor.report(.initialisation, Double(sweep) / Double(sweeps))
      multiply(
        data, count: count, dimensions: dimensions, basis: basis, width: width, into: &scores)
      if let means { subtractProjectedMeans(means, basis: basis, width: width, from: &scores) }
      basis = transposedProduct(data, scores, count: count, dimensions: dimensions, width: width)
      if let means { subtractMeanProduct(means, scores: scores, width: width, from: &basis) }
      orthonormalise(&basis, rows: dimensions, columns: width)
    }
    if monitor.isCancelled { return [Float](repeating: 0, count: count * components) }
    // Rayleigh-Ritz: eigenvectors of B^T C B = (X B)^T (X B) rotate the block onto the axes.
    multiply(data, count: count, dimensions: dimensions, basis: basis, width: width, into: &scores)
    if let means { subtractProjectedMeans(means, basis: basis, width: width, from: &scores) }
    var small = [Double](repeating: 0, count: width * width)
    for a in 0..<width {
      for b in a..<width {
        var sum = 0.0
        for i in 0..<count { sum += Double(scores[i * width + a]) * Double(scores[i * width + b]) }
        small[a * width + b] = sum
        small[b * width + a] = sum
      }
    }
    let (values, vectors) = SymmetricEigen.jacobi(small, size: width)
    let order = (0..<width).sorted { values[$0] > values[$1] }
    var projection = [Float](repeating: 0, count: count * components)
    for (c, e) in order.prefix(components).enumerated() {
      // The component in data space: basis * eigenvector; its largest entry made positive.
      var direction = [Double](repeating: 0, count: dimensions)
      for d in 0..<dimensions {
        for w in 0..<width { direction[d] += Double(basis[d * width + w]) * vectors[w * width + e] }
      }
      let largest = direction.indices.max { abs(direction[$0]) < abs(direction[$1]) }!
      let sign: Double = direction[largest] < 0 ? -1 : 1
      for i in 0..<count {
        var sum = 0.0
        for w in 0..<width { sum += Double(scores[i * width + w]) * vectors[w * width + e] }
        projection[i * components + c] = Float(sign * sum)
      }
    }
    return projection
  }

  /// scores (N, width) = X (N, D) * B (D, width)
  private static func multiply(
    _ data: [Float], count: Int, dimensions: Int, basis: [Float], width: Int,
    into scores: inout [Float]
  ) {
    data.withUnsafeBufferPointer { x in
      basis.withUnsafeBufferPointer { b in
        scores.withUnsafeMutableBufferPointer { s in
          GEMM.multiply(
            m: count, n: width, k: dimensions, a: x.baseAddress!, lda: dimensions,
            transposeA: false, b: b.baseAddress!, ldb: width, transposeB: false,
            c: s.baseAddress!, ldc: width)
        }
      }
    }
  }

  /// (X - 1 m^T) B = X B - 1 (m^T B): each row of the scores less the means' projection.
  private static func subtractProjectedMeans(
    _ means: [Float], basis: [Float], width: Int, from scores: inout [Float]
  ) {
    var shift = [Float](repeating: 0, count: width)
    for w in 0..<width {
      var sum = 0.0
      for d in means.indices { sum += Double(means[d]) * Double(basis[d * width + w]) }
      shift[w] = Float(sum)
    }
    for e in scores.indices { scores[e] -= shift[e % width] }
  }

  /// (X - 1 m^T)^T S / N = X^T S / N - m (1^T S) / N.
  private static func subtractMeanProduct(
    _ means: [Float], scores: [Float], width: Int, from product: inout [Float]
  ) {
    var columnSums = [Double](repeating: 0, count: width)
    for e in scores.indices { columnSums[e % width] += Double(scores[e]) }
    let count = Double(scores.count / width)
    for d in means.indices {
      for w in 0..<width {
        product[d * width + w] -= Float(Double(means[d]) * columnSums[w] / count)
      }
    }
  }

  /// X^T (D, N) * scores (N, width), scaled by 1/N to keep the values near 1.
  private static func transposedProduct(
    _ data: [Float], _ scores: [Float], count: Int, dimensions: Int, width: Int
  ) -> [Float] {
    var result = [Float](repeating: 0, count: dimensions * width)
    data.withUnsafeBufferPointer { x in
      scores.withUnsafeBufferPointer { s in
        result.withUnsafeMutableBufferPointer { r in
          GEMM.multiply(
            m: dimensions, n: width, k: count, a: x.baseAddress!, lda: dimensions,
            transposeA: true, b: s.baseAddress!, ldb: width, transposeB: false,
            c: r.baseAddress!, ldc: width, alpha: 1 / Float(count))
        }
      }
    }
    return result
  }

  /// Modified Gram-Schmidt on the columns of a (rows, columns) matrix, in Double; a column that
  /// collapses (rank-deficient data) is replaced by a unit axis orthogonal to the others.
  static func orthonormalise(_ matrix: inout [Float], rows: Int, columns: Int) {
    var m = matrix.map(Double.init)
    for c in 0..<columns {
      for attempt in 0...rows {
        for previous in 0..<c {
          var dot = 0.0
          for r in 0..<rows { dot += m[r * columns + c] * m[r * columns + previous] }
          for r in 0..<rows { m[r * columns + c] -= dot * m[r * columns + previous] }
        }
        var norm = 0.0
        for r in 0..<rows { norm += m[r * columns + c] * m[r * columns + c] }
        norm = norm.squareRoot()
        if norm > 1e-10 {
          for r in 0..<rows { m[r * columns + c] /= norm }
          break
        }
        for r in 0..<rows { m[r * columns + c] = r == attempt % rows ? 1 : 0 }
      }
    }
    matrix = m.map(Float.init)
  }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.
enum SymmetricEigen {
  /// Eigenvalues and eigenvectors (column e of the row-major `vectors` belongs to value e).
  static func jacobi(_ input: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
    var a = input
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
      var offDiagonal = 0.0
      for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p * n + q] * a[p * n + q] } }
      if offDiagonal < 1e-30 { break }
      for p in 0..<n {
        for q in (p + 1)..<n where a[p * n + q] != 0 {
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
          let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          for k in 0..<n {
            let (akp, akq) = (a[k * n + p], a[k * n + q])
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let (apk, aqk) = (a[p * n + k], a[q * n + k])
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let (vkp, vkq) = (v[k * n + p], v[k * n + q])
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
  }
}
