/// One bounded max-heap of (squared distance, index) per point, for NN-descent: the root holds
/// the farthest of the k neighbours found so far, so most candidates are refused by one
/// comparison. Each entry carries a "new" flag (not yet used to look for neighbours' neighbours).
/// Rows are written only by the thread that owns their point.
struct NeighbourHeaps {
  let count: Int
  let k: Int
  var indices: [Int32]
  var distances: [Float]
  var isNew: [Bool]

  init(count: Int, k: Int) {
    self.count = count
    self.k = k
    indices = [Int32](repeating: -1, count: count * k)
    distances = [Float](repeating: .infinity, count: count * k)
    isNew = [Bool](repeating: false, count: count * k)
  }
}

/// Raw access to one bounded max-heap of k (squared distance, index) entries, ordered by
/// (distance, index), with an optional "new" flag per entry: the one heap of the exact search
/// (`NearestNeighbours.selectSmallest`, no flags) and of NN-descent (`NeighbourHeaps`).
/// Empty slots hold (infinity, -1) or (infinity, Int32.max); both keep the heap valid.
struct NeighbourHeapRow {
  let indices: UnsafeMutablePointer<Int32>
  let distances: UnsafeMutablePointer<Float>
  let isNew: UnsafeMutablePointer<Bool>?
  let k: Int

  @inline(__always) var largest: Float { distances[0] }

  @inline(__always) private func greater(_ a: Int, _ b: Int) -> Bool {
    distances[a] > distances[b] || (distances[a] == distances[b] && indices[a] > indices[b])
  }

  @inline(__always) private func swapAt(_ a: Int, _ b: Int) {
    let (d, x) = (distances[a], indices[a])
    (distances[a], indices[a]) = (distances[b], indices[b])
    (distances[b], indices[b]) = (d, x)
    if let isNew { (isNew[a], isNew[b]) = (isNew[b], isNew[a]) }
  }

  private func siftDown(_ start: Int, _ size: Int) {
    var parent = start
    while true {
      let left = 2 * parent + 1
      if left >= size { return }
      var largest = left
      if left + 1 < size, greater(left + 1, left) { largest = left + 1 }
      if !greater(largest, parent) { return }
      swapAt(parent, largest)
      parent = largest
    }
  }

  /// Whether (distance, index) would enter the heap (it is nearer than the farthest entry).
  @inline(__always) func admits(_ index: Int32, _ distance: Float) -> Bool {
    distance < distances[0] || (distance == distances[0] && index < indices[0])
  }

  /// Replaces the farthest entry by (distance, index) when nearer; the caller makes sure the
  /// index is not in the row already. Returns whether it was inserted.
  @inline(__always) @discardableResult
  func push(_ index: Int32, _ distance: Float) -> Bool {
    guard admits(index, distance) else { return false }
    distances[0] = distance
    indices[0] = index
    isNew?[0] = true
    siftDown(0, k)
    return true
  }

  /// `push` for callers that cannot rule out duplicates: the row is searched only when the
  /// entry would be admitted (rare once the heap holds near neighbours).
  @inline(__always) @discardableResult
  func pushIfAbsent(_ index: Int32, _ distance: Float) -> Bool {
    guard admits(index, distance) else { return false }
    if firstSlot(of: index, in: indices, count: k) != nil { return false }
    return push(index, distance)
  }

  /// Sorts the row nearest first (heap sort in place; the heap is then no longer valid).
  func sortAscending() {
    var end = k
    while end > 1 {
      end -= 1
      swapAt(0, end)
      siftDown(0, end)
    }
  }
}

extension NeighbourHeaps {
  /// Calls `body` with raw pointers to every row's storage.
  mutating func withRows<R>(
    _ body: (
      _ indices: UnsafeMutablePointer<Int32>, _ distances: UnsafeMutablePointer<Float>,
      _ isNew: UnsafeMutablePointer<Bool>
    ) -> R
  ) -> R {
    indices.withUnsafeMutableBufferPointer { i in
      distances.withUnsafeMutableBufferPointer { d in
        isNew.withUnsafeMutableBufferPointer { f in
          body(i.baseAddress!, d.baseAddress!, f.baseAddress!)
        }
      }
    }
  }
}

/// Where `row` (`count` entries) holds `value` first, 16 entries at a time (k = 91 at perplexity
/// 30: 6 vector compares instead of 91).
@inline(__always)
func firstSlot(of value: Int32, in row: UnsafePointer<Int32>, count: Int) -> Int? {
  let wanted = SIMD16<Int32>(repeating: value)
  var r = 0
  while r + 16 <= count {
    let found = UnsafeRawPointer(row + r).loadUnaligned(as: SIMD16<Int32>.self) .== wanted
    if any(found) {
      for t in 0..<16 where found[t] { return r + t }
    }
    r += 16
  }
  while r < count {
    if row[r] == value { return r }
    r += 1
  }
  return nil
}
