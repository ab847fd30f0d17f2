import Tensor

/// One evaluation of `InterpolatedRepulsion` over raw buffers: the grid geometry, each point's
/// box and Lagrange weights, the charge fields and the kernel's transform.
struct InterpolationGrid {
  let count: Int
  let nodesPerBox: Int
  let boxCount: Int
  let boxWidth: Float
  let origin: Float
  let centre: Float
  /// Half the square's side: coordinates are spread as (y - centre) / radius, within [-1, 1].
  ///
  /// Why: two real fields share each complex transform, and a transform's rounding error is
  /// relative to the larger of the pair. Unscaled, phi_1 shared its transform with the x
  /// charges (up to 60 times larger on a grown map) and phi_y with |y|^2 (thousands of times
  /// larger), which cost the forces an error near 1e-3 that a float32 numpy replica with one
  /// transform per field does not have. Scaled, the four charges are of one size.
  let radius: Float
  /// Grid side of the zero-padded transform (twice the nodes per side).
  let size: Int
  let plan: FFTPlan2D
  /// The kernel's transform (real: the kernel is even), divided by the grid's size for the
  /// inverse transforms (`kernelTransform`), kept by `InterpolatedRepulsion` while the grid's
  /// side and node spacing stay the same.
  let kernel: UnsafePointer<Float>
  /// The two complex charge fields: 4 planes of the padded grid.
  let scratch: UnsafeMutablePointer<Float>
  /// Per point: 8 weights along x, then 8 along y (`nodesPerBox` of them, zeros after), so
  /// that each axis is one `SIMD8` and a row of a box's nodes one vector load or store; 8
  /// floats more at the end (`autocorrelation` reads up to 7 past the last point's).
  let weights: UnsafeMutablePointer<Float>
  /// Per point: the first node index along x and along y.
  let cells: UnsafeMutablePointer<Int32>

  private var grid: Int { size * size }
  private func field(_ f: Int) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
    (scratch + 2 * f * grid, scratch + (2 * f + 1) * grid)
  }

  /// The four potentials at the `nodes` x `nodes` interpolation nodes (phi_1, phi_x, phi_y,
  /// phi_|y|^2, one plane each), for a map that stays fixed while other points move.
  func potentialPlanes() -> [Float] {
    let nodes = boxCount * nodesPerBox
    var planes = [Float](repeating: 0, count: 4 * nodes * nodes)
    let sources = [field(0).0, field(0).1, field(1).0, field(1).1]
    // Back to unscaled coordinates: phi_x and phi_y scale with the radius, phi_|y|^2 with its
    // square.
    let scales = [1, radius, radius, radius * radius]
    for (plane, source) in sources.enumerated() {
      for a in 0..<nodes {
        for b in 0..<nodes {
          planes[(plane * nodes + a) * nodes + b] = source[a * size + b] * scales[plane]
        }
      }
    }
    return planes
  }

  /// The transform of K(d) = 1 / (1 + d^2)^2 on the circulant grid of side `size` with nodes
  /// `spacing` apart, divided by size^2 (the inverse transforms' scale): index a stands for the
  /// offset a (a < nodes) or a - size (a > nodes); offset +-nodes never meets two real nodes and
  /// stays 0. `work` holds 2 size^2 floats.
  static func kernelTransform(
    size: Int, nodes: Int, spacing: Float, plan: FFTPlan2D, into kernel: UnsafeMutablePointer<Float>,
    work: UnsafeMutablePointer<Float>
  ) {
    let (kr, ki) = (work, work + size * size)
    Parallel.forChunks(count: size, minimumPerThread: 64) { range in
      for a in range {
        let da = Float(a < nodes ? a : a - size) * spacing
        for b in 0..<size {
          let db = Float(b < nodes ? b : b - size) * spacing
          let w = 1 / (1 + da * da + db * db)
          kr[a * size + b] = a == nodes || b == nodes ? 0 : w * w
          ki[a * size + b] = 0
        }
      }
    }
    plan.transform(real: kr, imaginary: ki, inverse: false)
    let scale = 1 / Float(size * size)
    for g in 0..<(size * size) { kernel[g] = kr[g] * scale }
  }

  /// Charges spread, transformed, multiplied by the kernel's transform, transformed back. The
  /// charges fill only the first `nodes` rows and columns of the padded grid and only those
  /// potentials are read, so the transforms skip the zero columns going in and compute only
  /// those columns coming out (`FFTPlan2D`); each transform runs its strips on the compute
  /// threads.
  func convolve(xs: UnsafePointer<Float>, ys: UnsafePointer<Float>) {
    let nodes = boxCount * nodesPerBox
    Parallel.forChunks(count: 2, minimumPerThread: 1) { range in
      for f in range { spread(field: f, xs: xs, ys: ys) }
    }
    for f in 0..<2 {
      let (fr, fi) = field(f)
      plan.transform(real: fr, imaginary: fi, inverse: false, inputColumns: nodes)
    }
    let (ar, ai) = field(0)
    let (br, bi) = field(1)
    let kernel = kernel
    Parallel.forChunks(count: grid, minimumPerThread: 1 << 14) { range in
      for g in range {
        let k = kernel[g]
        ar[g] *= k
        ai[g] *= k
        br[g] *= k
        bi[g] *= k
      }
    }
    for f in 0..<2 {
      let (fr, fi) = field(f)
      plan.transform(real: fr, imaginary: fi, inverse: true, outputColumns: nodes)
    }
  }

  /// Field 0: charges 1 (real) and x (imaginary); field 1: y and x^2 + y^2, all relative to
  /// the centre and divided by the radius.
  private func spread(field f: Int, xs: UnsafePointer<Float>, ys: UnsafePointer<Float>) {
    let p = nodesPerBox
    let (fr, fi) = field(f)
    fr.update(repeating: 0, count: grid)
    fi.update(repeating: 0, count: grid)
    let inverseRadius = 1 / radius
    let lanes = Self.lanes
    for i in 0..<count {
      let (x, y) = ((xs[i] - centre) * inverseRadius, (ys[i] - centre) * inverseRadius)
      let (first, second) = f == 0 ? (Float(1), x) : (y, x * x + y * y)
      let (gx, gy) = (Int(cells[2 * i]), Int(cells[2 * i + 1]))
      let wx = weights + 2 * lanes * i
      let wy = Self.load(wx + lanes)
      // A row of the box's nodes at once; the lanes past p add zeros to the next box's nodes
      // (or the padding, which stays zero).
      let (wyFirst, wySecond) = (wy * first, wy * second)
      for t in 0..<p {
        let row = (gx + t) * size + gy
        Self.store(Self.load(fr + row) + wx[t] * wyFirst, fr + row)
        Self.store(Self.load(fi + row) + wx[t] * wySecond, fi + row)
      }
    }
  }

  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
  }

  @inline(__always)
  static func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
  }

  /// Potentials at each point, then its repulsion and share of Z.
  func readForces(
    xs: UnsafePointer<Float>, ys: UnsafePointer<Float>, repulsion: UnsafeMutablePointer<Float>,
    partialZ: UnsafeMutablePointer<Float>
  ) {
    let p = nodesPerBox
    let (ar, ai) = field(0)
    let (br, bi) = field(1)
    // K between two nodes of one box, by their offsets' sizes (d, e) in 0...(p-1): column e
    // as 8 lanes over d, zeros past p - 1; the offsets -d and +d both occur, so lanes d > 0
    // (and columns e > 0) count twice.
    let spacing = boxWidth / Float(p)
    var selfKernel = [Lanes](repeating: Lanes(), count: Self.lanes)
    for e in 0..<p {
      for d in 0..<p {
        let (a, b) = (Float(d) * spacing, Float(e) * spacing)
        let w = 1 / (1 + a * a + b * b)
        selfKernel[e][d] = w * w * (d == 0 ? 1 : 2) * (e == 0 ? 1 : 2)
      }
    }
    let inverseRadius = 1 / radius
    let radiusSquared = radius * radius
    let lanes = Self.lanes
    selfKernel.withUnsafeBufferPointer { selfKernel in
    Parallel.forChunks(count: count, minimumPerThread: 1024) { range in
      for i in range {
        let (gx, gy) = (Int(cells[2 * i]), Int(cells[2 * i + 1]))
        let wx = weights + 2 * lanes * i
        let wy = wx + lanes
        let wyLanes = Self.load(wy)
        // A row of the box's nodes per load (lanes past p have weight 0).
        var (sum1, sumX, sumY, sumSquare) = (Lanes(), Lanes(), Lanes(), Lanes())
        for t in 0..<p {
          let row = (gx + t) * size + gy
          let w = wx[t] * wyLanes
          sum1 += w * Self.load(ar + row)
          sumX += w * Self.load(ai + row)
          sumY += w * Self.load(br + row)
          sumSquare += w * Self.load(bi + row)
        }
        let (phi1, phiX, phiY, phiSquare) = (sum1.sum(), sumX.sum(), sumY.sum(), sumSquare.sum())
        // In scaled coordinates (see `radius`), then times the radius.
        let (x, y) = ((xs[i] - centre) * inverseRadius, (ys[i] - centre) * inverseRadius)
        repulsion[2 * i] = radius * (x * phi1 - phiX)
        repulsion[2 * i + 1] = radius * (y * phi1 - phiY)
        // The point's own pair, as the interpolation computed it (not the exact w_ii = 1): its
        // charges (1, x, y, |y|^2) meet its own weights through the kernel, which adds
        // s_i (1 + |y|^2 - 2 |y|^2 + |y|^2) = s_i to Z and nothing to the forces. Removing s_i
        // removes the largest near-field error on sparse maps (measured: Z error 6e-3 -> 1e-5).
        // own = sum_{t,u,s,v} wx_t wx_u wy_s wy_v K(t - u, s - v) = sum_{d,e} cx_d cy_e K(+-d, +-e)
        // with c the weights' autocorrelation (both signs of an offset in the table).
        let (cx, cy) = (Self.autocorrelation(wx, nodes: p), Self.autocorrelation(wy, nodes: p))
        // cy is zero past p - 1.
        var column = Lanes()
        for e in 0..<p { column += cy[e] * selfKernel[e] }
        let own = (cx * column).sum()
        partialZ[i] =
          phi1 + radiusSquared * ((x * x + y * y) * phi1 - 2 * (x * phiX + y * phiY) + phiSquare)
          - own
      }
    }
    }
  }
}
