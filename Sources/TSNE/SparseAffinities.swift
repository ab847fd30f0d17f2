import Foundation
import Tensor

/// A sparse symmetric P stored beside the neighbour graph it came from: row i holds `k` entries
/// in fixed slots (its own neighbour list, `ownColumns[i k ..< (i+1) k]`) and then its extra
/// entries, the points that listed i without i listing them (`extraColumns` over
/// `extraStart[i] ..< extraStart[i+1]`). With k = 0 it is plain compressed rows.
///
/// Keeping the graph's own arrays as the first part is what lets a million points fit in 2 GB:
/// the symmetrisation writes p_ij over the conditional p(j|i) in place and adds only the
/// one-sided pairs, instead of gathering every pair twice and copying the merged rows
/// (docs/benchmarks.md, "t-SNE at scale").
struct SparseAffinities: Sendable {
  let count: Int
  let k: Int
  var ownColumns: [Int32]
  var ownValues: [Float]
  var extraStart: [Int32]
  var extraColumns: [Int32]
  var extraValues: [Float]

  var entryCount: Int { ownColumns.count + extraColumns.count }

  /// Plain compressed rows (no fixed slots).
  init(rowStart: [Int32], columns: [Int32], values: [Float]) {
    count = rowStart.count - 1
    k = 0
    ownColumns = []
    ownValues = []
    extraStart = rowStart
    extraColumns = columns
    extraValues = values
  }

  /// Raw pointers to every array, for the gradient's loops.
  struct Buffers {
    let k: Int
    let ownColumns: UnsafePointer<Int32>
    let ownValues: UnsafePointer<Float>
    let extraStart: UnsafePointer<Int32>
    let extraColumns: UnsafePointer<Int32>
    let extraValues: UnsafePointer<Float>

    /// Calls `body(j, p_ij)` for every entry of row i, own slots first.
    @inline(__always)
    func forEachEntry(ofRow i: Int, _ body: (Int, Float) -> Void) {
      for e in (i * k)..<((i + 1) * k) { body(Int(ownColumns[e]), ownValues[e]) }
      for e in Int(extraStart[i])..<Int(extraStart[i + 1]) {
        body(Int(extraColumns[e]), extraValues[e])
      }
    }
  }

  func withBuffers<R>(_ body: (Buffers) -> R) -> R {
    ownColumns.withUnsafeBufferPointer { oc in
      ownValues.withUnsafeBufferPointer { ov in
        extraStart.withUnsafeBufferPointer { es in
          extraColumns.withUnsafeBufferPointer { ec in
            extraValues.withUnsafeBufferPointer { ev in
              // Empty arrays may have no base address: any valid pointer does, nothing is read.
              let empty = UnsafePointer<Float>(bitPattern: MemoryLayout<Float>.alignment)!
              let emptyIndex = UnsafePointer<Int32>(bitPattern: MemoryLayout<Int32>.alignment)!
              return body(
                Buffers(
                  k: k, ownColumns: oc.baseAddress ?? emptyIndex,
                  ownValues: ov.baseAddress ?? empty, extraStart: es.baseAddress!,
                  extraColumns: ec.baseAddress ?? emptyIndex, extraValues: ev.baseAddress ?? empty
                ))
            }
          }
        }
      }
    }
  }
}

extension SparseAffinities {
  /// p_ij = (p(j|i) + p(i|j)) / (2 sum p) on a k-nearest-neighbour graph whose `columns` (k per
  /// row, no point listing itself, no repeats) and `conditional` p(j|i) are taken over: a pair
  /// listed by both points gets the sum in both slots, a pair listed by one keeps its slot there
  /// and becomes an extra entry of the other row. Values are the same floats as a merge of all
  /// pairs in Double would give; subnormal ones are flushed to 0.
  ///
  /// Memory: besides the two n x k arrays taken over, 8 bytes per extra entry and 8 per point.
  /// Whether j lists i is found by scanning row j (k entries, 16 at a time) rather than from a
  /// transposed copy of the graph, which at a million points would hold 364 MB of positions at
  /// the symmetrisation's peak (docs/benchmarks.md, "Preparation and memory").
  /// Determinism: every slot is written by one row's thread (a pair listed by both points by the
  /// smaller one's), extras keep the order of the listing points.
  init(
    count: Int, k: Int, columns: consuming [Int32], conditional: consuming [Float],
    monitor: TSNEPreparationMonitor = .none
  ) throws {
    precondition(columns.count == count * k && conditional.count == count * k)
    precondition(count * k < Int(Int32.max), "too many pairs for 32-bit row starts")
    var total = 0.0
    for e in 0..<(count * k) { total += Double(conditional[e]) }
    let scale = 1 / max(2 * total, Double.ulpOfOne)
    try columns.withUnsafeBufferPointer { columns in
      try conditional.withUnsafeMutableBufferPointer { values in
        try Self.markMutualPairs(
          count: count, k: k, scale: scale, columns: columns.baseAddress!,
          values: values.baseAddress!, monitor: monitor)
      }
    }
    // Mutual slots now hold their final value with the sign bit set (-0 included); the others
    // (one-sided, conditional p >= 0 with the sign bit clear) become extras of the listed row.
    var extraStart = [Int32](repeating: 0, count: count + 1)
    for e in 0..<(count * k) where conditional[e].sign == .plus {
      extraStart[Int(columns[e]) + 1] += 1
    }
    for i in 0..<count { extraStart[i + 1] += extraStart[i] }
    let extras = Int(extraStart[count])
    var extraColumns = [Int32](repeating: 0, count: extras)
    var extraValues = [Float](repeating: 0, count: extras)
    do {
      var fill = extraStart
      for e in 0..<(count * k) where conditional[e].sign == .plus {
        let j = Int(columns[e])
        let value = Self.flushed(Double(conditional[e]) * scale)
        conditional[e] = value
        extraColumns[Int(fill[j])] = Int32(e / k)
        extraValues[Int(fill[j])] = value
        fill[j] += 1
      }
    }
    conditional.withUnsafeMutableBufferPointer { values in
      let v = values.baseAddress!
      Parallel.forChunks(count: count * k, minimumPerThread: 1 << 16) { range in
        for e in range where v[e].sign == .minus { v[e] = -v[e] }
      }
    }
    self.count = count
    self.k = k
    ownColumns = columns
    ownValues = conditional
    self.extraStart = extraStart
    self.extraColumns = extraColumns
    self.extraValues = extraValues
  }

  @inline(__always)
  private static func flushed(_ value: Double) -> Float {
    let result = Float(value)
    return result < .leastNormalMagnitude ? 0 : result
  }

  /// Per slot (i, r) listing j > i: when row j lists i too, the pair is mutual and row i's
  /// thread writes the final value, negated as a mark, into both slots (row j's thread leaves
  /// pairs with smaller points alone, so no slot has two writers).
  private static func markMutualPairs(
    count: Int, k: Int, scale: Double, columns: UnsafePointer<Int32>,
    values: UnsafeMutablePointer<Float>, monitor: TSNEPreparationMonitor
  ) throws {
    // Rows in blocks, each split among the threads: `monitor` can cancel in between.
    let block = 8192
    for blockStart in stride(from: 0, to: count, by: block) {
      try monitor.throwIfCancelled()
      monitor.report(.symmetrisation, Double(blockStart) / Double(count))
      let rows = blockStart..<min(count, blockStart + block)
      Parallel.forChunks(count: rows.count, minimumPerThread: 256) { range in
        for i in (rows.lowerBound + range.lowerBound)..<(rows.lowerBound + range.upperBound) {
          for r in 0..<k {
            let j = Int(columns[i * k + r])
            guard i < j, let s = firstSlot(of: Int32(i), in: columns + j * k, count: k) else {
              continue
            }
            let sum = Double(values[i * k + r]) + Double(values[j * k + s])
            let value = -flushed(sum * scale)
            values[i * k + r] = value
            values[j * k + s] = value
          }
        }
      }
    }
    monitor.report(.symmetrisation, 1)
  }
}
