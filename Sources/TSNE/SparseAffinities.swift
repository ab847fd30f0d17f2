import Foundation
import Tensor

/// A sparse symmetric P stored once per pair: row m holds the pairs (m, j) with j > m,
/// `columns[rowStart[m] ..< rowStart[m+1]]` and their `values`; p_jm = p_mj is not stored again.
///
/// Why once: the gradient's attraction and the KL check visit every pair, and stored as the
/// full matrix's rows (each pair in both of its rows) P was about 1 KB a point (1.08 GB at a
/// million points, half the 2 GB allowed) and each pair's kernel was computed twice. Stored
/// once it is half the bytes to stream each iteration; `SparseAttraction` adds each pair's
/// force to both of its points.
struct SparseAffinities: Sendable {
  let count: Int
  var rowStart: [Int32]
  var columns: [Int32]
  var values: [Float]

  /// Pairs stored (each once).
  var entryCount: Int { columns.count }

  /// From a symmetric P given as the full matrix's compressed rows (row i holding both (i, j)
  /// and, in row j, (j, i)): only the entries with j > i are kept.
  init(rowStart: [Int32], columns: [Int32], values: [Float]) {
    count = rowStart.count - 1
    var starts: [Int32] = [0]
    var kept: [Int32] = []
    var keptValues: [Float] = []
    starts.reserveCapacity(count + 1)
    for i in 0..<count {
      for e in Int(rowStart[i])..<Int(rowStart[i + 1]) where Int(columns[e]) > i {
        kept.append(columns[e])
        keptValues.append(values[e])
      }
      starts.append(Int32(kept.count))
    }
    self.rowStart = starts
    self.columns = kept
    self.values = keptValues
  }

  /// Raw pointers to the arrays, for the gradient's loops.
  struct Buffers {
    let rowStart: UnsafePointer<Int32>
    let columns: UnsafePointer<Int32>
    let values: UnsafePointer<Float>

    /// Calls `body(j, p_ij)` for every pair stored in row i (j > i).
    @inline(__always)
    func forEachEntry(ofRow i: Int, _ body: (Int, Float) -> Void) {
      for e in Int(rowStart[i])..<Int(rowStart[i + 1]) { body(Int(columns[e]), values[e]) }
    }
  }

  func withBuffers<R>(_ body: (Buffers) -> R) -> R {
    rowStart.withUnsafeBufferPointer { rs in
      columns.withUnsafeBufferPointer { c in
        values.withUnsafeBufferPointer { v in
          // Empty arrays may have no base address: any valid pointer does, nothing is read.
          let empty = UnsafePointer<Float>(bitPattern: MemoryLayout<Float>.alignment)!
          let emptyIndex = UnsafePointer<Int32>(bitPattern: MemoryLayout<Int32>.alignment)!
          return body(
            Buffers(
              rowStart: rs.baseAddress!, columns: c.baseAddress ?? emptyIndex,
              values: v.baseAddress ?? empty))
        }
      }
    }
  }
}

extension SparseAffinities {
  /// p_ij = (p(j|i) + p(i|j)) / (2 sum p) on a k-nearest-neighbour graph whose `columns` (k per
  /// row, no point listing itself, no repeats) and `conditional` p(j|i) are taken over, each
  /// pair stored once, in the row of its smaller point, each row in increasing column order.
  /// Values are the same floats as a merge of all pairs in Double would give; subnormal ones
  /// are flushed to 0.
  ///
  /// Memory: the graph's two n x k arrays until the result (8 bytes per pair) is filled, and 12
  /// bytes per point (`gathered` with two parts). Whether j lists i is found by scanning row j
  /// (k entries, 16 at a time) rather than from a transposed copy of the graph, which at a
  /// million points would hold 364 MB more at the symmetrisation's peak (docs/benchmarks.md,
  /// "Preparation and memory"). Determinism: every slot is marked by one row's thread (a pair
  /// listed by both points by the smaller one's), and `gathered` sorts each row by column.
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
    // hold p(j|i) (sign bit clear). Row m keeps its slots listing j > m, and receives the
    // one-sided slots of larger points that list it; a mutual slot listing a smaller point is
    // that point's pair. Two parts of the source rows: each adds 4 bytes a point to the
    // preparation's peak (this one's).
    let parts = Swift.max(1, Swift.min(2, count / 4096))
    self = columns.withUnsafeBufferPointer { columns in
      conditional.withUnsafeBufferPointer { conditional in
        Self.gathered(
          count: count, parts: parts,
          from: SymmetrisedPairs(
            count: count, k: k, parts: parts, scale: scale, columns: columns.baseAddress!,
            values: conditional.baseAddress!))
      }
    }
  }

  /// Pairs gathered into rows by a counting sort: `source.forEachPair` lists each part's pairs
  /// (the same pairs in both passes), `source.value` gives a placed pair its value. Each part
  /// counts what it sends to each row, the rows' starts follow from the counts in (row, part)
  /// order, each part places its pairs with cursors of its own (so the threads share both
  /// passes), and every row is then sorted by column: the result depends on neither the parts
  /// nor the threads. Memory besides the result: 4 bytes a point per part and 4 for the row
  /// starts.
  static func gathered<Source: PairSource>(count: Int, parts: Int, from source: Source)
    -> SparseAffinities
  {
    // slots[part * count + row]: first how many pairs the part sends to the row, then where
    // its next one goes.
    var slots = [Int32](repeating: 0, count: parts * count)
    var starts = [Int32](repeating: 0, count: count + 1)
    var columns: [Int32] = []
    var values: [Float] = []
    slots.withUnsafeMutableBufferPointer { slots in
      let slot = slots.baseAddress!
      Parallel.forChunks(count: parts, minimumPerThread: 1) { range in
        for part in range {
          let sent = slot + part * count
          source.forEachPair(inPart: part) { row, _, _ in sent[row] += 1 }
        }
      }
      var total: Int32 = 0
      for row in 0..<count {
        starts[row] = total
        for part in 0..<parts {
          let n = slot[part * count + row]
          slot[part * count + row] = total
          total += n
        }
      }
      starts[count] = total
      columns = [Int32](repeating: 0, count: Int(total))
      values = [Float](repeating: 0, count: Int(total))
      columns.withUnsafeMutableBufferPointer { columns in
        values.withUnsafeMutableBufferPointer { values in
          let (c, v) = (columns.baseAddress!, values.baseAddress!)
          Parallel.forChunks(count: parts, minimumPerThread: 1) { range in
            for part in range {
              let cursor = slot + part * count
              source.forEachPair(inPart: part) { row, column, at in
                let to = Int(cursor[row])
                cursor[row] += 1
                c[to] = column
                v[to] = source.value(at)
              }
            }
          }
        }
      }
    }
    sortRows(rowStart: starts, columns: &columns, values: &values)
    return SparseAffinities(count: count, rowStart: starts, columns: columns, values: values)
  }

  /// Each row's pairs in increasing column order.
  ///
  /// Why: the attraction reads each listed point's position and adds into its scatter entry;
  /// in the points' locality order a row's neighbours share cache lines, and visited in index
  /// order they are read line after line instead of back and forth (at a million points the
  /// attraction waited on these loads more than it computed).
  static func sortRows(rowStart: [Int32], columns: inout [Int32], values: inout [Float]) {
    let count = rowStart.count - 1
    rowStart.withUnsafeBufferPointer { starts in
      columns.withUnsafeMutableBufferPointer { columns in
        values.withUnsafeMutableBufferPointer { values in
          let (c, v) = (columns.baseAddress!, values.baseAddress!)
          Parallel.forChunks(count: count, minimumPerThread: 4096) { range in
            var keys: [UInt64] = []
            for i in range {
              let (lower, upper) = (Int(starts[i]), Int(starts[i + 1]))
              guard upper - lower > 1 else { continue }
              // Column in the high half, the value's bits in the low: one sort moves both.
              keys.removeAll(keepingCapacity: true)
              for e in lower..<upper {
                keys.append(UInt64(UInt32(bitPattern: c[e])) << 32 | UInt64(v[e].bitPattern))
              }
              keys.sort()
              for (offset, key) in keys.enumerated() {
                c[lower + offset] = Int32(bitPattern: UInt32(key >> 32))
                v[lower + offset] = Float(bitPattern: UInt32(truncatingIfNeeded: key))
              }
            }
          }
        }
      }
    }
  }

  @inline(__always)
  fileprivate static func flushed(_ value: Double) -> Float {
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

/// What parts of some source rows send to the rows of a new sparse P (`gathered`).
protocol PairSource {
  /// Calls `emit(row, column, source)` for each pair that `part` of the source rows holds.
  func forEachPair(inPart part: Int, _ emit: (_ row: Int, _ column: Int32, _ source: Int) -> Void)
  /// The value of the pair listed as `source`.
  func value(_ source: Int) -> Float
}

/// The symmetrisation's pairs: slot (i, r) of the marked graph goes to row i when it lists
/// j > i, and to row j when it lists a smaller j that does not list i (a one-sided pair);
/// mutual slots listing a smaller point are that point's pair, already placed.
private struct SymmetrisedPairs: PairSource {
  let count: Int
  let k: Int
  let parts: Int
  let scale: Double
  let columns: UnsafePointer<Int32>
  /// Mutual slots: the final value, negated as a mark; the others p(j|i).
  let values: UnsafePointer<Float>

  @inline(__always)
  func forEachPair(inPart part: Int, _ emit: (Int, Int32, Int) -> Void) {
    for i in (part * count / parts)..<((part + 1) * count / parts) {
      for e in (i * k)..<((i + 1) * k) {
        let j = Int(columns[e])
        if j > i {
          emit(i, Int32(j), e)
        } else if values[e].sign == .plus {
          emit(j, Int32(i), e)
        }
      }
    }
  }

  @inline(__always)
  func value(_ e: Int) -> Float {
    let value = values[e]
    return value.sign == .minus ? -value : SparseAffinities.flushed(Double(value) * scale)
  }
}
