/// The per-point work of a Barnes-Hut gradient, on raw pointers so that it stays tight in a
/// module built with plain -O. Each call writes only the outputs of its own points.
///
/// Repulsion is computed for groups of 32 consecutive points in Morton order at once: one walk
/// of the tree per group builds an interaction list of cells that every point of the group may
/// summarise (the criterion uses the distance from the cell's centre of mass to the group's
/// bounding box, never more than any member's own distance), then the list is evaluated with
/// one SIMD lane per point (two 16-lane vectors). The result is at least as accurate as a walk
/// per point with the same theta, and the arithmetic runs 16 points per instruction. Groups of
/// 32 measured 7% faster overall than groups of 16 (half the walks, slightly longer lists).
struct BarnesHutKernel {
  static let groupSize = 32
  typealias Vector = SIMD16<Float>

  let nodes: UnsafePointer<BarnesHutTree.Node>
  let nodeCount: Int
  let order: UnsafePointer<Int32>
  let sortedX: UnsafePointer<Float>
  let sortedY: UnsafePointer<Float>
  let count: Int
  /// The positions in original order, split into x and y.
  let xs: UnsafePointer<Float>
  let ys: UnsafePointer<Float>
  let rowStart: UnsafePointer<Int32>
  let columns: UnsafePointer<Int32>
  let values: UnsafePointer<Float>
  let thetaSquared: Float
  let attraction: UnsafeMutablePointer<Float>
  let repulsion: UnsafeMutablePointer<Float>
  let partialZ: UnsafeMutablePointer<Float>

  /// Room for the longest interaction list: every node and every point.
  var listCapacity: Int { nodeCount + count }

  /// The exact attraction sum_j p_ij w_ij (y_i - y_j) over point i's row of P.
  ///
  /// Scalar, four entries at a time with separate sums: measured faster than any SIMD form
  /// here, because the neighbours' coordinates must be gathered one by one and plain -O
  /// assembles vectors from scalars lane by lane.
  @inline(__always)
  func attract(_ i: Int) {
    let px = xs[i]
    let py = ys[i]
    var ax0: Float = 0
    var ay0: Float = 0
    var ax1: Float = 0
    var ay1: Float = 0
    var ax2: Float = 0
    var ay2: Float = 0
    var ax3: Float = 0
    var ay3: Float = 0
    var e = Int(rowStart[i])
    let rowEnd = Int(rowStart[i + 1])
    while e + 4 <= rowEnd {
      let j0 = Int(columns[e])
      let j1 = Int(columns[e + 1])
      let j2 = Int(columns[e + 2])
      let j3 = Int(columns[e + 3])
      let dx0 = px - xs[j0]
      let dy0 = py - ys[j0]
      let dx1 = px - xs[j1]
      let dy1 = py - ys[j1]
      let dx2 = px - xs[j2]
      let dy2 = py - ys[j2]
      let dx3 = px - xs[j3]
      let dy3 = py - ys[j3]
      let w0 = values[e] / (1 + dx0 * dx0 + dy0 * dy0)
      let w1 = values[e + 1] / (1 + dx1 * dx1 + dy1 * dy1)
      let w2 = values[e + 2] / (1 + dx2 * dx2 + dy2 * dy2)
      let w3 = values[e + 3] / (1 + dx3 * dx3 + dy3 * dy3)
      ax0 += w0 * dx0
      ay0 += w0 * dy0
      ax1 += w1 * dx1
      ay1 += w1 * dy1
      ax2 += w2 * dx2
      ay2 += w2 * dy2
      ax3 += w3 * dx3
      ay3 += w3 * dy3
      e += 4
    }
    while e < rowEnd {
      let j = Int(columns[e])
      let dx = px - xs[j]
      let dy = py - ys[j]
      let w = values[e] / (1 + dx * dx + dy * dy)
      ax0 += w * dx
      ay0 += w * dy
      e += 1
    }
    attraction[2 * i] = (ax0 + ax1) + (ax2 + ax3)
    attraction[2 * i + 1] = (ay0 + ay1) + (ay2 + ay3)
  }

  /// Repulsion and Z shares of the sorted points `group * 32 ..< group * 32 + 32` (clipped),
  /// using `list` (3 x listCapacity + 96 floats: x, y, counts, then the results) as scratch.
  func repel(group: Int, list: UnsafeMutablePointer<Float>) {
    let start = group * Self.groupSize
    let end = min(start + Self.groupSize, count)
    var minX = Float.infinity
    var minY = Float.infinity
    var maxX = -Float.infinity
    var maxY = -Float.infinity
    for s in start..<end {
      minX = min(minX, sortedX[s])
      maxX = max(maxX, sortedX[s])
      minY = min(minY, sortedY[s])
      maxY = max(maxY, sortedY[s])
    }
    let listX = list
    let listY = list + listCapacity
    let listCount = list + 2 * listCapacity
    var length = 0
    let (groupStart, groupEnd) = (Int32(start), Int32(end))
    var n = 0
    while n < nodeCount {
      let node = nodes[n]
      // A cell holding a member of the group is never summarised, so each member meets
      // itself as a single point (w = 1, removed below).
      if node.pointEnd <= groupStart || node.pointStart >= groupEnd {
        let gapX = max(0, max(minX - node.x, node.x - maxX))
        let gapY = max(0, max(minY - node.y, node.y - maxY))
        if node.widthSquared < thetaSquared * (gapX * gapX + gapY * gapY) {
          listX[length] = node.x
          listY[length] = node.y
          listCount[length] = node.count
          length += 1
          n = Int(node.next)
          continue
        }
      }
      if node.isLeaf != 0 {
        for s in Int(node.pointStart)..<Int(node.pointEnd) {
          listX[length] = sortedX[s]
          listY[length] = sortedY[s]
          listCount[length] = 1
          length += 1
        }
        n = Int(node.next)
      } else {
        n += 1
      }
    }

    // The sorted coordinates are padded by a group, so whole vectors can be loaded; lanes past
    // the last point compute garbage that is never stored.
    // Differences are taken as (cell - point) = -qx + cell and the sums negated at the end,
    // which is exact: plain -O lowers `vector - splat` lane by lane but `vector + splat` whole.
    // Two vectors of 16 lanes cover the group.
    let negativeX0 = Vector() - UnsafeRawPointer(sortedX + start).loadUnaligned(as: Vector.self)
    let negativeY0 = Vector() - UnsafeRawPointer(sortedY + start).loadUnaligned(as: Vector.self)
    let negativeX1 =
      Vector() - UnsafeRawPointer(sortedX + start + 16).loadUnaligned(as: Vector.self)
    let negativeY1 =
      Vector() - UnsafeRawPointer(sortedY + start + 16).loadUnaligned(as: Vector.self)
    var rx0 = Vector()
    var ry0 = Vector()
    var z0 = Vector()
    var rx1 = Vector()
    var ry1 = Vector()
    var z1 = Vector()
    for e in 0..<length {
      let cx = Vector(repeating: listX[e])
      let cy = Vector(repeating: listY[e])
      let c = Vector(repeating: listCount[e])
      let dx0 = negativeX0 + cx
      let dy0 = negativeY0 + cy
      let dx1 = negativeX1 + cx
      let dy1 = negativeY1 + cy
      let w0 = StudentKernel.weight(squaredDistance: dx0 * dx0 + dy0 * dy0)
      let w1 = StudentKernel.weight(squaredDistance: dx1 * dx1 + dy1 * dy1)
      let cw0 = c * w0
      let cw1 = c * w1
      z0 += cw0
      z1 += cw1
      let cww0 = cw0 * w0
      let cww1 = cw1 * w1
      rx0 += cww0 * dx0
      ry0 += cww0 * dy0
      rx1 += cww1 * dx1
      ry1 += cww1 * dy1
    }
    // Through memory: indexing a vector by a variable lane makes the optimiser split every
    // vector of the loop above into pieces.
    let results = list + 3 * listCapacity
    UnsafeMutableRawPointer(results).storeBytes(of: rx0, as: Vector.self)
    UnsafeMutableRawPointer(results + 16).storeBytes(of: rx1, as: Vector.self)
    UnsafeMutableRawPointer(results + 32).storeBytes(of: ry0, as: Vector.self)
    UnsafeMutableRawPointer(results + 48).storeBytes(of: ry1, as: Vector.self)
    UnsafeMutableRawPointer(results + 64).storeBytes(of: z0, as: Vector.self)
    UnsafeMutableRawPointer(results + 80).storeBytes(of: z1, as: Vector.self)
    for lane in 0..<(end - start) {
      let i = Int(order[start + lane])
      repulsion[2 * i] = -results[lane]
      repulsion[2 * i + 1] = -results[32 + lane]
      partialZ[i] = results[64 + lane] - 1
    }
  }
}
