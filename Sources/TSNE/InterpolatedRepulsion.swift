import Foundation
import Tensor

/// The repulsive half of the t-SNE gradient by FFT-accelerated interpolation (FIt-SNE:
/// Linderman, Rachh, Hoskins, Steinerberger and Kluger, Nature Methods 2019), O(N) per
/// iteration plus an FFT of a grid that grows with the embedding's extent, not with N.
///
/// The embedding's bounding square is cut into boxes of width at most 1/`boxesPerUnit` (at
/// least `minimumBoxes` per side) with `nodesPerBox` equispaced interpolation nodes per box and
/// axis, so all nodes lie on one uniform grid. Each point spreads four charges
/// (1, x, y, x^2 + y^2) onto the nodes of its box with Lagrange weights; the grid is convolved
/// with the kernel K(d) = 1 / (1 + d^2)^2 by FFT (zero-padded to twice the size, so the
/// circular convolution is the linear one); each point reads back four potentials phi with
/// the same weights. Then, summing over all j (the point itself included),
///
///   sum_j w_ij^2 (y_i - y_j) = y_i phi_1 - (phi_x, phi_y),
///   sum_j w_ij = (1 + |y_i|^2) phi_1 - 2 y_i . (phi_x, phi_y) + phi_|y|^2,
///
/// since w (1 + d^2) = 1 for w = 1 / (1 + d^2); the point's own w = 1 is removed from Z.
/// Coordinates are taken relative to the square's centre, which keeps the cancellation in the
/// second sum small in float, and divided by half the square's side, so that the two fields
/// sharing a complex transform are of one size (`InterpolationGrid.radius`).
///
/// Two real charge fields share one complex transform (one as the real part, one as the
/// imaginary part): the kernel is real, so the convolution keeps them apart. The kernel is even,
/// so its transform is real. Determinism: the charges are spread serially per field, each
/// transform's strips are independent, the potentials read per point.
struct InterpolatedRepulsion {
  /// The default grid, 6 nodes per box of one unit (6 nodes per unit), is the cheapest measured
  /// to keep the repulsive forces of a spread map within 1e-3 of all pairs' with margin: 6.5e-4
  /// on the tests' grown map (extent 118), where 4 per half unit (8 per unit, the previous
  /// default) gave 5.4e-4 at 1.8 times the grid's area, 4 nodes per 4/7 unit 8.9e-4 and
  /// openTSNE's 3 per unit 3.9e-3 (docs/projection.md). At least 36 boxes per side (216 nodes,
  /// as many as before) for compact maps, where any grid is accurate (2e-5).
  var nodesPerBox = 6
  var minimumBoxes = 36
  var boxesPerUnit: Float = 1
  /// Nodes per side at most: past an extent of maximumNodes / (nodesPerBox x boxesPerUnit)
  /// (170 units by default) the boxes widen instead, so that the FFT's grid (twice this per
  /// side, zero-padded) stays within 2048^2 points (5 planes of floats: about 80 MB) at any N.
  var maximumNodes = 1024

  private var scratch: [Float] = []
  private var weights: [Float] = []
  private var cells: [Int32] = []
  /// The kernel's transform for the grid of `kernelKey` (side, node spacing): recomputed only
  /// when the geometry changes, which the box widths' ladder makes rare (`geometry(span:)`).
  private var kernel: [Float] = []
  private var kernelKey: (size: Int, spacing: Float) = (0, 0)
  /// Kernel transforms computed so far (tests check that the ladder keeps them rare).
  private(set) var kernelTransforms = 0

  /// Box widths are rounded up to (1 / boxesPerUnit) x 2^(-k / ladderSteps): while the map grows
  /// by less than a step (2.2%) with the same box count the grid keeps its spacing, and with it
  /// the kernel's transform (one of five 2-D transforms per evaluation, and size^2 divisions).
  static let ladderSteps: Float = 32

  /// Box count per side for an embedding `span` wide: a product of 2s and 3s, so the FFT
  /// (of 2 x nodesPerBox x boxes points) runs on its radix-4, 2 and 3 butterflies only.
  func boxes(span: Float) -> Int {
    let limit = max(1, maximumNodes / nodesPerBox)
    let wanted = min(max(minimumBoxes, Int((span * boxesPerUnit).rounded(.up))), limit)
    var count = wanted
    while !Self.isSmooth(count) { count += 1 }
    if count <= limit { return count }
    count = wanted
    while count > 1, !Self.isSmooth(count) { count -= 1 }
    return count
  }

  /// Box count and width for an embedding `span` wide: `boxes(span:)` boxes, each at least
  /// span / count wide and at most 1 / boxesPerUnit below the node cap, the width on the
  /// ladder (`ladderSteps` per doubling).
  func geometry(span: Float) -> (boxCount: Int, boxWidth: Float) {
    let count = boxes(span: span)
    let exact = span / Float(count)
    let widest = 1 / boxesPerUnit
    // The number of ladder steps below `widest`, rounded down: the width never shrinks below
    // `exact`; it reaches `widest` exactly when `exact` does.
    let steps = (Self.ladderSteps * log2(widest / exact) * (1 - 1e-6)).rounded(.down)
    var width = widest * exp2(-steps / Self.ladderSteps)
    if width < exact { width = exact }  // rounding at the ladder's ends
    return (count, width)
  }

  private static func isSmooth(_ count: Int) -> Bool {
    var rest = count
    for factor in [2, 3] { while rest % factor == 0 { rest /= factor } }
    return rest == 1
  }

  /// Writes sum_j w_ij^2 (y_i - y_j) (x, y pairs) into `repulsion` and sum_{j != i} w_ij into
  /// `partialZ`, for positions split into `xs` and `ys`.
  mutating func evaluate(
    xs: [Float], ys: [Float], repulsion: inout [Float], partialZ: inout [Float]
  ) {
    let (minimum, maximum) = Self.bounds(xs, ys)
    repulsion.withUnsafeMutableBufferPointer { repulsion in
      partialZ.withUnsafeMutableBufferPointer { partialZ in
        withGrid(xs: xs, ys: ys, minimum: minimum, maximum: maximum) { grid, x, y in
          grid.readForces(
            xs: x, ys: y, repulsion: repulsion.baseAddress!, partialZ: partialZ.baseAddress!)
        }
      }
    }
  }

  /// The smallest and largest coordinate over both axes.
  static func bounds(_ xs: [Float], _ ys: [Float]) -> (Float, Float) {
    var (minimum, maximum) = (Float.infinity, -Float.infinity)
    for i in xs.indices {
      minimum = min(minimum, min(xs[i], ys[i]))
      maximum = max(maximum, max(xs[i], ys[i]))
    }
    return (minimum, maximum)
  }

  /// Lays the grid over the square [minimum, maximum]^2, spreads the points' charges and
  /// convolves them, then calls `body` with the grid and the coordinates.
  mutating func withGrid(
    xs: [Float], ys: [Float], minimum: Float, maximum: Float,
    _ body: (InterpolationGrid, UnsafePointer<Float>, UnsafePointer<Float>) -> Void
  ) {
    let n = xs.count
    let p = nodesPerBox
    // A little margin so that the largest coordinate falls inside the last box.
    let (boxCount, boxWidth) = geometry(span: max(maximum - minimum, 1e-3) * (1 + 1e-5))
    let span = boxWidth * Float(boxCount)
    let size = 2 * boxCount * p  // the FFT's side: the nodes, zero-padded to twice
    let plan = FFTPlan2D(rows: size, columns: size)
    let grid = size * size
    // Fields A (re, im) and B (re, im); the transforms work in small strips.
    let needed = 4 * grid
    if scratch.count < needed { scratch = [Float](repeating: 0, count: needed) }
    precondition(p <= InterpolationGrid.lanes, "at most 8 nodes per box")
    let weightCount = 2 * InterpolationGrid.lanes * n + InterpolationGrid.lanes
    if weights.count < weightCount {
      weights = [Float](repeating: 0, count: weightCount)
      cells = [Int32](repeating: 0, count: 2 * n)
    }
    let spacing = boxWidth / Float(p)
    if kernelKey != (size, spacing) {
      if kernel.count < grid { kernel = [Float](repeating: 0, count: grid) }
      kernel.withUnsafeMutableBufferPointer { kernel in
        scratch.withUnsafeMutableBufferPointer { scratch in
          InterpolationGrid.kernelTransform(
            size: size, nodes: boxCount * p, spacing: spacing, plan: plan,
            into: kernel.baseAddress!, work: scratch.baseAddress!)
        }
      }
      kernelKey = (size, spacing)
      kernelTransforms += 1
    }
    let kernel = kernel
    scratch.withUnsafeMutableBufferPointer { scratch in
      weights.withUnsafeMutableBufferPointer { weights in
        cells.withUnsafeMutableBufferPointer { cells in
          kernel.withUnsafeBufferPointer { kernel in
            let grid = InterpolationGrid(
              count: n, nodesPerBox: p, boxCount: boxCount, boxWidth: boxWidth,
              origin: minimum, centre: minimum + span / 2, radius: span / 2, size: size,
              plan: plan, kernel: kernel.baseAddress!, scratch: scratch.baseAddress!,
              weights: weights.baseAddress!, cells: cells.baseAddress!)
            xs.withUnsafeBufferPointer { xs in
              ys.withUnsafeBufferPointer { ys in
                grid.locate(xs: xs.baseAddress!, ys: ys.baseAddress!)
                grid.convolve(xs: xs.baseAddress!, ys: ys.baseAddress!)
                body(grid, xs.baseAddress!, ys.baseAddress!)
              }
            }
          }
        }
      }
    }
  }
}
