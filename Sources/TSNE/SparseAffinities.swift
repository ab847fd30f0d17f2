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
  /// row, no point listing itself) and `conditional` p(j|i) are taken over: a pair listed by both
  /// points gets the sum in both slots, a pair listed by one keeps its slot there and becomes an
  /// extra entry of the other row. Values are the same floats as a merge of all pairs in Double
  /// would give; subnormal ones are flushed to 0.
  ///
  /// Memory: besides the two n x k arrays taken over, n x k 4-byte positions (each row's incoming
  /// pairs, by a counting sort) while it runs, then 8 bytes per extra entry.
  /// Determinism: every slot is written by one row's thread (a pair listed by both points by the
  /// smaller one's), extras keep the order of the listing points.
  init(count: Int, k: Int, columns: consuming [Int32], conditional: consuming [Float]) {
    precondition(columns.count == count * k && conditional.count == count * k)
    precondition(count * k < Int(UInt32.max), "too many pairs for 32-bit positions")
    var total = 0.0
    for e in 0..<(count * k) { total += Double(conditional[e]) }
    let scale = 1 / max(2 * total, Double.ulpOfOne)

    // Incoming pairs of each row, as positions l k + r of the slot where l lists the row.
    var incomingStart = [Int](repeating: 0, count: count + 1)
    for e in 0..<(count * k) { incomingStart[Int(columns[e]) + 1] += 1 }
    for i in 0..<count { incomingStart[i + 1] += incomingStart[i] }
    var incoming = [UInt32](repeating: 0, count: count * k)
    do {
      var fill = incomingStart
      for position in 0..<(count * k) {
        let j = Int(columns[position])
        incoming[fill[j]] = UInt32(position)
        fill[j] += 1
      }
    }
    var extraCount = [Int](repeating: 0, count: count)
    columns.withUnsafeBufferPointer { columns in
      conditional.withUnsafeMutableBufferPointer { values in
        incoming.withUnsafeMutableBufferPointer { incoming in
          extraCount.withUnsafeMutableBufferPointer { extraCount in
            Self.markMutualPairs(
              count: count, k: k, scale: scale, columns: columns.baseAddress!,
              values: values.baseAddress!, incomingStart: incomingStart,
              incoming: incoming.baseAddress!, extraCount: extraCount.baseAddress!)
          }
        }
      }
    }
    // Slots not yet final (one-sided pairs, stored positive) are scaled; mutual ones were
    // stored negated.
    conditional.withUnsafeMutableBufferPointer { values in
      let v = values.baseAddress!
      Parallel.forChunks(count: count * k, minimumPerThread: 1 << 16) { range in
        for e in range { v[e] = v[e] < 0 ? -v[e] : Self.flushed(Double(v[e]) * scale) }
      }
    }
    var extraStart = [Int32](repeating: 0, count: count + 1)
    for i in 0..<count { extraStart[i + 1] = extraStart[i] + Int32(extraCount[i]) }
    let extras = Int(extraStart[count])
    var extraColumns = [Int32](repeating: 0, count: extras)
    var extraValues = [Float](repeating: 0, count: extras)
    for i in 0..<count {
      for t in 0..<extraCount[i] {
        let position = Int(incoming[incomingStart[i] + t])
        extraColumns[Int(extraStart[i]) + t] = Int32(position / k)
        extraValues[Int(extraStart[i]) + t] = conditional[position]
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

  /// Per row i: its own slots (sorted by column) merged with its incoming positions (in listing
  /// order, so by column too). A pair found in both is mutual: the smaller point writes the
  /// final value, negated as a mark, into both slots. The incoming positions of one-sided pairs
  /// are moved to the front of the row's range and counted.
  private static func markMutualPairs(
    count: Int, k: Int, scale: Double, columns: UnsafePointer<Int32>,
    values: UnsafeMutablePointer<Float>, incomingStart: [Int],
    incoming: UnsafeMutablePointer<UInt32>, extraCount: UnsafeMutablePointer<Int>
  ) {
    incomingStart.withUnsafeBufferPointer { incomingStart in
      let starts = incomingStart.baseAddress!
      Parallel.forChunks(count: count, minimumPerThread: 256) { range in
        var own = [(column: Int32, slot: Int)]()
        own.reserveCapacity(k)
        for i in range {
          own.removeAll(keepingCapacity: true)
          for r in 0..<k { own.append((columns[i * k + r], i * k + r)) }
          own.sort { $0.column < $1.column }
          var kept = starts[i]
          var o = 0
          for e in starts[i]..<starts[i + 1] {
            let position = Int(incoming[e])
            let l = Int32(position / k)
            while o < own.count, own[o].column < l { o += 1 }
            if o < own.count, own[o].column == l {
              if i < Int(l) {
                let sum = Double(values[own[o].slot]) + Double(values[position])
                let value = -flushed(sum * scale)
                values[own[o].slot] = value
                values[position] = value
              }
            } else {
              incoming[kept] = UInt32(position)
              kept += 1
            }
          }
          extraCount[i] = kept - starts[i]
        }
      }
    }
  }
}
