import Tensor

/// The leading principal components of centred data, for t-SNE's initialisation.
///
/// The covariance (D x D) is accumulated from blocks of rows (each centred into a scratch block
/// and multiplied by GEMM, the blocks' products added in Double in row order), its
/// eigenvectors found by Jacobi rotations, and the points projected on the leading ones. Why
/// not subspace iteration over the data (the earlier method): its 60 sweeps read the data 120
/// times in skinny products, 21 s of CPU at a million 128-D points, where one pass is well
/// under a second. Signs follow scikit-learn's `svd_flip`: the entry of largest magnitude in
/// each component is positive. Nothing is random, and every sum has a fixed order, so the
/// result does not depend on the thread count.
enum PrincipalComponents {
  /// Rows per block of the covariance's accumulation: a scratch block of 1 MB at D = 128.
  static let blockRows = 2048

  /// `components` projections of each point (count x components, row-major) of centred
  /// `data`, or of `data` less its column `means` (subtracted block by block instead of from a
  /// copy of the data). Stops early (the result then unusable) once `monitor` cancels.
  static func project(
    _ data: [Float], means: [Float]? = nil, count: Int, dimensions: Int, components: Int,
    monitor: TSNEPreparationMonitor = .none
  ) -> [Float] {
    let d = dimensions
    let shift = means ?? [Float](repeating: 0, count: d)
    let covariance = self.covariance(data, means: shift, count: count, dimensions: d, monitor: monitor)
    var projection = [Float](repeating: 0, count: count * components)
    if monitor.isCancelled { return projection }
    let (values, vectors) = SymmetricEigen.jacobi(covariance, size: d)
    let order = (0..<d).sorted { values[$0] > values[$1] }
    // The components in data space, their largest entries made positive, (components, D).
    var directions = [Double](repeating: 0, count: components * d)
    for (c, e) in order.prefix(components).enumerated() {
      let column = (0..<d).map { vectors[$0 * d + e] }
      let largest = column.indices.max { abs(column[$0]) < abs(column[$1]) }!
      let sign: Double = column[largest] < 0 ? -1 : 1
      for k in 0..<d { directions[c * d + k] = sign * column[k] }
    }
    data.withUnsafeBufferPointer { x in
      projection.withUnsafeMutableBufferPointer { out in
        Parallel.forChunks(count: count, minimumPerThread: 4096) { range in
          for i in range {
            for c in 0..<min(components, d) {
              var sum = 0.0
              for k in 0..<d { sum += Double(x[i * d + k] - shift[k]) * directions[c * d + k] }
              out[i * components + c] = Float(sum)
            }
          }
        }
      }
    }
    return projection
  }

  /// The covariance of the rows less `means`, (D x D) row-major in Double, divided by N.
  static func covariance(
    _ data: [Float], means: [Float], count: Int, dimensions d: Int,
    monitor: TSNEPreparationMonitor
  ) -> [Double] {
    var sum = [Double](repeating: 0, count: d * d)
    var block = [Float](repeating: 0, count: min(count, blockRows) * d)
    var product = [Float](repeating: 0, count: d * d)
    data.withUnsafeBufferPointer { x in
      block.withUnsafeMutableBufferPointer { block in
        product.withUnsafeMutableBufferPointer { product in
          for start in stride(from: 0, to: count, by: blockRows) {
            if monitor.isCancelled { return }
            monitor.report(.initialisation, Double(start) / Double(count))
            let rows = min(blockRows, count - start)
            for r in 0..<rows {
              for k in 0..<d { block[r * d + k] = x[(start + r) * d + k] - means[k] }
            }
            GEMM.multiply(
              m: d, n: d, k: rows, a: block.baseAddress!, lda: d, transposeA: true,
              b: block.baseAddress!, ldb: d, transposeB: false, c: product.baseAddress!, ldc: d)
            for e in 0..<(d * d) { sum[e] += Double(product[e]) }
          }
        }
      }
    }
    return sum.map { $0 / Double(max(1, count)) }
  }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.
enum SymmetricEigen {
  /// Eigenvalues and eigenvectors (column e of the row-major `vectors` belongs to value e).
  static func jacobi(_ input: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
    var a = input
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    // Stops once the off-diagonal part is negligible beside the whole (relative: a covariance
    // may be of any scale).
    let total = a.reduce(0) { $0 + $1 * $1 }
    for _ in 0..<100 {
      var offDiagonal = 0.0
      for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p * n + q] * a[p * n + q] } }
      if offDiagonal <= 1e-22 * total { break }
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
