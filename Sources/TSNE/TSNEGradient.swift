import Foundation
import Synchronization
import Tensor

/// The t-SNE gradient with a Student-t kernel w_ij = 1 / (1 + |y_i - y_j|^2) (one degree of
/// freedom, the 2-D case), Z = sum_{k != l} w_kl and q_ij = w_ij / Z:
///
///   dC/dy_i = 4 (sum_j p_ij w_ij (y_i - y_j)  -  (1/Z) sum_j w_ij^2 (y_i - y_j))
///
/// (van der Maaten 2014, eq. 5). Every point's sums are computed by one thread in a fixed
/// order and Z is reduced over the points in index order, so the gradient is bit-identical for
/// any thread count.
struct TSNEGradient {
  let count: Int
  /// Per point: the attractive and repulsive sums (x, y pairs) and its share of Z.
  private(set) var attraction: [Float]
  private var repulsion: [Float]
  private var partialZ: [Float]
  /// The exact method's coordinates, split into x and y for SIMD loads.
  private var xs: [Float]
  private var ys: [Float]
  private var tree = BarnesHutTree()
  /// The attraction's scatter buffers, 2 x count floats per band (`attractionBands`).
  private var scatter: [Float] = []
  private var interpolation = InterpolatedRepulsion()

  init(count: Int) {
    self.count = count
    attraction = [Float](repeating: 0, count: 2 * count)
    repulsion = [Float](repeating: 0, count: 2 * count)
    partialZ = [Float](repeating: 0, count: count)
    xs = []
    ys = []
  }

  /// How the repulsion over sparse affinities is computed.
  enum Repulsion {
    case barnesHut
    /// FIt-SNE's interpolation, where its grid covers the map (`interpolationResolves`).
    case interpolated
    /// Whichever `InterpolatedRepulsion.isCheaperThanBarnesHut` picks for the map's extent.
    case cheaper
  }

  /// Evaluations that used the interpolated repulsion.
  private(set) var interpolatedEvaluations = 0

  /// Writes the gradient at `positions` (x, y pairs) into `gradient` and returns Z.
  /// `exaggeration` multiplies P (early exaggeration); `theta` is used by Barnes-Hut only.
  mutating func evaluate(
    positions: [Float], affinities: TSNEAffinities, exaggeration: Float, theta: Float,
    repulsion choice: Repulsion = .barnesHut, gradient: inout [Float]
  ) -> Double {
    switch affinities {
    case .dense(let values):
      exactSums(positions: positions, affinities: values)
    case .sparse(let p) where usesInterpolation(positions, choice):
      interpolatedEvaluations += 1
      interpolatedSums(positions: positions, p: p)
    case .sparse(let p):
      attract(positions: positions, p: p, buildingTree: true)
      Self.barnesHutRepulsion(
        tree, count: count, theta: theta, repulsion: &repulsion, partialZ: &partialZ)
    }
    var z = 0.0
    for value in partialZ { z += Double(value) }
    combine(exaggeration: exaggeration, inverseZ: Float(1 / z), into: &gradient)
    return z
  }

  /// gradient = 4 (exaggeration attraction - repulsion / Z), elementwise on the run's threads.
  private func combine(exaggeration: Float, inverseZ: Float, into gradient: inout [Float]) {
    attraction.withUnsafeBufferPointer { a in
      repulsion.withUnsafeBufferPointer { r in
        gradient.withUnsafeMutableBufferPointer { g in
          Parallel.forChunks(count: g.count, minimumPerThread: 1 << 16) { range in
            for k in range { g[k] = 4 * (exaggeration * a[k] - r[k] * inverseZ) }
          }
        }
      }
    }
  }

  /// KL(P || Q) = sum p log p + sum p log(1 + d^2) + log Z, for P summing to 1 (Z from the
  /// gradient evaluated at the same positions). Rows run in parallel; their sums are added in
  /// row order, so the value does not depend on the thread count.
  static func klDivergence(
    positions: [Float], affinities: TSNEAffinities, negativeEntropy: Double, z: Double
  ) -> Double {
    let n = positions.count / 2
    var rowSums = [Double](repeating: 0, count: n)
    positions.withUnsafeBufferPointer { positions in
      rowSums.withUnsafeMutableBufferPointer { rowSums in
        let (y, out) = (positions.baseAddress!, rowSums.baseAddress!)
        @inline(__always) func term(_ i: Int, _ j: Int, _ p: Float) -> Double {
          let dx = y[2 * i] - y[2 * j]
          let dy = y[2 * i + 1] - y[2 * j + 1]
          return Double(p) * log1p(Double(dx * dx + dy * dy))
        }
        switch affinities {
        case .dense(let values):
          values.withUnsafeBufferPointer { p in
            Parallel.forChunks(count: n, minimumPerThread: 32) { range in
              for i in range {
                var sum = 0.0
                for j in 0..<n where p[i * n + j] > 0 { sum += term(i, j, p[i * n + j]) }
                out[i] = sum
              }
            }
          }
        case .sparse(let p):
          p.withBuffers { p in
            let rows = SparseDivergence(positions: y, p: p)
            Parallel.forChunks(count: n, minimumPerThread: 64) { range in
              for i in range { out[i] = rows.divergenceTerm(i) }
            }
          }
        }
      }
    }
    var sum = 0.0
    for value in rowSums { sum += value }
    return negativeEntropy + sum + log(z)
  }

  private mutating func exactSums(positions: [Float], affinities: [Float]) {
    let n = count
    // Padded to whole vectors with far-away points, whose w is exactly 0 in float.
    let padded = (n + 15) / 16 * 16
    xs = [Float](repeating: 1e30, count: padded)
    ys = [Float](repeating: 0, count: padded)
    for i in 0..<n {
      xs[i] = positions[2 * i]
      ys[i] = positions[2 * i + 1]
    }
    xs.withUnsafeBufferPointer { xs in
      ys.withUnsafeBufferPointer { ys in
        affinities.withUnsafeBufferPointer { p in
          attraction.withUnsafeMutableBufferPointer { attraction in
            repulsion.withUnsafeMutableBufferPointer { repulsion in
              partialZ.withUnsafeMutableBufferPointer { partialZ in
                let (x, y, pp) = (xs.baseAddress!, ys.baseAddress!, p.baseAddress!)
                let (a, r, z) = (
                  attraction.baseAddress!, repulsion.baseAddress!, partialZ.baseAddress!
                )
                Parallel.forChunks(count: n, minimumPerThread: 32) { range in
                  for i in range {
                    Self.exactRow(
                      i, count: n, padded: padded, x: x, y: y, p: pp + i * n, a: a, r: r, z: z)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// One row of the exact sums, 16 columns at a time.
  @inline(__always)
  private static func exactRow(
    _ i: Int, count n: Int, padded: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
    p: UnsafePointer<Float>, a: UnsafeMutablePointer<Float>, r: UnsafeMutablePointer<Float>,
    z: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD16<Float>
    let xi = V(repeating: x[i])
    let yi = V(repeating: y[i])
    var sumW = V()
    var ax = V()
    var ay = V()
    var rx = V()
    var ry = V()
    let full = n / 16 * 16
    var j = 0
    while j < padded {
      let dx = xi - UnsafeRawPointer(x + j).loadUnaligned(as: V.self)
      let dy = yi - UnsafeRawPointer(y + j).loadUnaligned(as: V.self)
      let w = StudentKernel.weight(squaredDistance: dx * dx + dy * dy)
      var pj: V
      if j < full {
        pj = UnsafeRawPointer(p + j).loadUnaligned(as: V.self)
      } else {
        pj = V()
        for lane in 0..<(n - j) { pj[lane] = p[j + lane] }
      }
      sumW += w
      let pw = pj * w
      ax += pw * dx
      ay += pw * dy
      let ww = w * w
      rx += ww * dx
      ry += ww * dy
      j += 16
    }
    // The point itself contributed w = 1 to Z (and nothing to the forces).
    z[i] = sumW.sum() - 1
    a[2 * i] = ax.sum()
    a[2 * i + 1] = ay.sum()
    r[2 * i] = rx.sum()
    r[2 * i + 1] = ry.sum()
  }

  /// Barnes-Hut's repulsion sums and Z shares from a built `tree` (also timed alone by
  /// `TSNEGradientTiming`).
  static func barnesHutRepulsion(
    _ tree: BarnesHutTree, count n: Int, theta: Float, repulsion: inout [Float],
    partialZ: inout [Float]
  ) {
    tree.nodes.withUnsafeBufferPointer { nodes in
      tree.order.withUnsafeBufferPointer { order in
        tree.sortedX.withUnsafeBufferPointer { sx in
          tree.sortedY.withUnsafeBufferPointer { sy in
            repulsion.withUnsafeMutableBufferPointer { repulsion in
              partialZ.withUnsafeMutableBufferPointer { partialZ in
                let kernel = BarnesHutKernel(
                  nodes: nodes.baseAddress!, nodeCount: tree.nodeCount,
                  order: order.baseAddress!, sortedX: sx.baseAddress!,
                  sortedY: sy.baseAddress!, count: n, thetaSquared: theta * theta,
                  repulsion: repulsion.baseAddress!, partialZ: partialZ.baseAddress!)
                runGroups(kernel, count: n)
              }
            }
          }
        }
      }
    }
  }

  /// The attraction's bands: the rows in this many contiguous bands, each with its own scatter
  /// buffer (`SparseAttraction`). A function of N only, so that no sum's order depends on the
  /// thread count; 8 bands let two threads balance (one of them builds the Barnes-Hut tree
  /// first), and cost 8 x 8 bytes a point of buffers.
  static func attractionBands(count n: Int) -> Int { max(1, min(8, n / 4096)) }

  /// The attraction over the sparse P, each band's rows in index order: with the points in
  /// their locality order (`LocalityOrder`) P streams through once and a row's neighbours are
  /// close by. With `buildingTree`, the Barnes-Hut quadtree is built at the same time: one
  /// thread builds it (its sort and depth-first layout are serial) while the others take bands,
  /// and it joins them when done, so with two threads the build does not leave a core idle.
  /// Then each point's own sum and the bands' scatters at it are added in band order.
  private mutating func attract(positions: [Float], p: SparseAffinities, buildingTree: Bool) {
    let n = count
    let bands = Self.attractionBands(count: n)
    if scatter.count != 2 * n * bands { scatter = [Float](repeating: 0, count: 2 * n * bands) }
    let threads = buildingTree ? ComputeSettings.threadCount : min(ComputeSettings.threadCount, bands)
    let taken = Atomic<Int>(0)
    @inline(__always) func first(_ band: Int) -> Int { band * n / bands }
    withUnsafeMutablePointer(to: &tree) { tree in
      scatter.withUnsafeMutableBufferPointer { scatter in
        let buffers = scatter.baseAddress!
        Self.withAttraction(positions: positions, p: p, attraction: &attraction) { attraction in
          positions.withUnsafeBufferPointer { positions in
            Parallel.forChunks(count: max(1, threads), minimumPerThread: 1) { range in
              if buildingTree, range.contains(0) {
                tree.pointee.rebuild(positions: positions.baseAddress!, count: n)
              }
              while true {
                let band = taken.add(1, ordering: .relaxed).oldValue
                if band >= bands { break }
                let buffer = buffers + 2 * n * band
                // A band's pairs reach only points after its first row.
                (buffer + 2 * first(band)).update(repeating: 0, count: 2 * (n - first(band)))
                for i in first(band)..<first(band + 1) { attraction.attract(i, scatter: buffer) }
              }
            }
          }
          let sums = attraction.attraction
          Parallel.forChunks(count: n, minimumPerThread: 1 << 14) { range in
            for i in range {
              var sum = SIMD2(sums[2 * i], sums[2 * i + 1])
              var band = 0
              while band < bands, first(band) < i {
                let at = buffers + 2 * n * band + 2 * i
                sum += SIMD2(at[0], at[1])
                band += 1
              }
              (sums[2 * i], sums[2 * i + 1]) = (sum.x, sum.y)
            }
          }
        }
      }
    }
  }

  /// xs and ys from (x, y) pairs, into the same arrays every evaluation.
  ///
  /// Why: fresh arrays each time were 8 MB of new pages per evaluation at a million points.
  private mutating func splitCoordinates(_ positions: [Float]) {
    if xs.count != count {
      xs = [Float](repeating: 0, count: count)
      ys = [Float](repeating: 0, count: count)
    }
    positions.withUnsafeBufferPointer { positions in
      xs.withUnsafeMutableBufferPointer { xs in
        ys.withUnsafeMutableBufferPointer { ys in
          for i in 0..<count {
            xs[i] = positions[2 * i]
            ys[i] = positions[2 * i + 1]
          }
        }
      }
    }
  }

  /// `body` with the attraction over the sparse P at `positions` ((x, y) pairs).
  private static func withAttraction(
    positions: [Float], p: SparseAffinities, attraction: inout [Float],
    _ body: (SparseAttraction) -> Void
  ) {
    positions.withUnsafeBufferPointer { positions in
      p.withBuffers { p in
        attraction.withUnsafeMutableBufferPointer { attraction in
          body(
            SparseAttraction(
              positions: positions.baseAddress!, p: p, attraction: attraction.baseAddress!))
        }
      }
    }
  }

  /// Whether this evaluation uses the interpolated repulsion.
  private func usesInterpolation(_ positions: [Float], _ choice: Repulsion) -> Bool {
    if choice == .barnesHut { return false }
    let span = Self.span(positions)
    guard interpolationResolves(span: span) else { return false }
    return choice == .interpolated
      || InterpolatedRepulsion.isCheaperThanBarnesHut(span: span, count: count)
  }

  /// The side of the map's bounding square ((x, y) pairs, both axes together).
  static func span(_ positions: [Float]) -> Float {
    var (minimum, maximum) = (Float.infinity, -Float.infinity)
    for value in positions {
      minimum = min(minimum, value)
      maximum = max(maximum, value)
    }
    return maximum - minimum
  }

  /// Whether the FFT grid can cover a map `span` wide with boxes at most `maximumBoxWidth`.
  ///
  /// Why: past the grid's node cap the boxes widen with the map, and interpolating the kernel
  /// (whose scale is one unit) over much wider boxes is not an approximation any more: with a few
  /// points thrown far out early in a large run, the whole bulk of the map falls into one box
  /// and the interpolated Z can even come out negative. Such iterations use Barnes-Hut, which is
  /// accurate at any extent.
  func interpolationResolves(span: Float) -> Bool {
    guard span.isFinite else { return false }
    return span / Float(interpolation.boxes(span: span)) <= Self.maximumBoxWidth
  }

  /// The widest interpolation box (in map units) the FFT gradient is used with: the default
  /// grid's own width (6 nodes per box of one unit, forces within about 7e-4 on the test
  /// maps, docs/projection.md), so past the node cap the map goes to Barnes-Hut.
  static let maximumBoxWidth: Float = 1

  /// The FFT-interpolated repulsion (FIt-SNE) and the exact attraction.
  private mutating func interpolatedSums(
    positions: [Float], p: SparseAffinities
  ) {
    splitCoordinates(positions)
    attract(positions: positions, p: p, buildingTree: false)
    interpolation.evaluate(xs: xs, ys: ys, repulsion: &repulsion, partialZ: &partialZ)
  }

  /// Groups of points in Morton order, so neighbouring queries walk the same nodes. Threads
  /// take runs of 8 groups as they go: a group's cost follows the density around it, and
  /// fixed halves left one thread waiting for the other (sched_yield in the profile). Each
  /// group is computed whole by one thread, so which thread takes it changes nothing.
  private static func runGroups(_ kernel: BarnesHutKernel, count n: Int) {
    let size = BarnesHutKernel.groupSize
    let groups = (n + size - 1) / size
    let run = 8
    let runs = (groups + run - 1) / run
    let taken = Atomic<Int>(0)
    // Small maps (fewer than 4 runs a thread) stay on the calling thread.
    let threads = max(1, min(ComputeSettings.threadCount, runs / 4))
    Parallel.forChunks(count: threads, minimumPerThread: 1) { _ in
      let list = UnsafeMutablePointer<Float>.allocate(capacity: 3 * kernel.listCapacity + 96)
      defer { list.deallocate() }
      while true {
        let next = taken.add(1, ordering: .relaxed).oldValue
        if next >= runs { break }
        for group in (next * run)..<min(groups, (next + 1) * run) {
          kernel.repel(group: group, list: list)
        }
      }
    }
  }
}
