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
  let thetaSquared: Float
  let repulsion: UnsafeMutablePointer<Float>
  let partialZ: UnsafeMutablePointer<Float>

  /// Room for the longest interaction list: every node and every point.
  var listCapacity: Int { nodeCount + count }

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
