/// The large buffers of `StoragePool`: blocks of page mappings ("segments"), handed out best fit
/// and split, and coalesced with their free neighbours when given back (as PyTorch's caching
/// allocator does on the GPU). A training step allocates the same sequence of sizes every time,
/// so once warm it finds its blocks where the previous step left them: no system call, no page
/// fault.
///
/// Why not one mapping per buffer, cut or grown (`mremap`) for a request of another size, as
/// before the 10th session: cut-off remainders never joined again, so requests kept growing
/// pieces and unmapping others, about 6,300 page faults (25 MB zero-filled by the kernel) per
/// bench-small step, 5% of its time (docs/benchmarks.md, "The step on the AVX-512 Xeon, 10th
/// session").
///
/// Not thread-safe: `StoragePool` holds it under its lock.
struct PageArena {
  private struct Block {
    var bytes: Int
    var free: Bool
    /// Never written since its segment was mapped: still zero.
    var fresh: Bool
    /// The block just before it in its segment (nil: the first).
    var previous: UInt?
    /// Where its segment ends (blocks never cross it).
    let segmentEnd: UInt
  }

  /// Blocks by address, and the free ones sorted by (bytes, address) for best fit.
  private var blocks: [UInt: Block] = [:]
  private var free: [(bytes: Int, address: UInt)] = []
  /// Segments by address, their sizes.
  private var segments: [UInt: Int] = [:]
  private(set) var idleBytes = 0
  private(set) var mappedBytes = 0
  /// The fewest idle bytes since the last `trim`: memory that nothing needed in that time.
  private var lowBytes = 0

  /// A block is split when the rest would be at least this large; smaller rests stay with the
  /// block (and come back with it).
  static let splitMinimumBytes = 64 << 10
  /// New segments hold at least this much, so that buffers under it share one.
  static let segmentMinimumBytes = 2 << 20

  /// A block of at least `bytes` (a page multiple) from the free ones, or nil: then map a
  /// segment (`segmentBytes(for:)`), `add` it and take again.
  mutating func take(bytes: Int) -> (address: UInt, bytes: Int, zeroed: Bool)? {
    defer { lowBytes = Swift.min(lowBytes, idleBytes) }
    let index = firstFree(atLeast: bytes)
    guard index < free.count else { return nil }
    let address = free.remove(at: index).address
    var block = blocks[address]!
    let rest = block.bytes - bytes
    if rest >= Self.splitMinimumBytes {
      let restAddress = address + UInt(bytes)
      blocks[restAddress] = Block(
        bytes: rest, free: true, fresh: block.fresh, previous: address,
        segmentEnd: block.segmentEnd)
      setPrevious(of: restAddress + UInt(rest), to: restAddress, end: block.segmentEnd)
      insertFree(rest, restAddress)
      block.bytes = bytes
    }
    block.free = false
    blocks[address] = block
    idleBytes -= block.bytes
    return (address, block.bytes, block.fresh)
  }

  /// How many bytes to map for a request that no free block holds.
  static func segmentBytes(for bytes: Int) -> Int {
    let unit = segmentMinimumBytes
    return Swift.max(unit, (bytes + unit - 1) / unit * unit)
  }

  /// A freshly mapped segment, all of it free (and zero).
  mutating func add(segment address: UInt, bytes: Int) {
    segments[address] = bytes
    mappedBytes += bytes
    blocks[address] = Block(
      bytes: bytes, free: true, fresh: true, previous: nil, segmentEnd: address + UInt(bytes))
    insertFree(bytes, address)
    idleBytes += bytes
  }

  /// Takes back the block handed out at `address`, joined with free neighbours.
  mutating func give(_ address: UInt) {
    guard var block = blocks[address], !block.free else {
      preconditionFailure("PageArena: \(address) is not a block in use")
    }
    idleBytes += block.bytes
    block.free = true
    block.fresh = false
    var start = address
    let next = address + UInt(block.bytes)
    if next < block.segmentEnd, let following = blocks[next], following.free {
      removeFree(following.bytes, next)
      blocks[next] = nil
      block.bytes += following.bytes
    }
    if let previous = block.previous, var before = blocks[previous], before.free {
      removeFree(before.bytes, previous)
      blocks[address] = nil
      before.bytes += block.bytes
      before.fresh = false
      block = before
      start = previous
    }
    blocks[start] = block
    setPrevious(of: start + UInt(block.bytes), to: start, end: block.segmentEnd)
    insertFree(block.bytes, start)
  }

  /// Removes wholly free segments, smallest first, of at most the bytes that nothing needed
  /// since the last trim, for the caller to unmap; starts the next interval.
  mutating func trim() -> [(address: UInt, bytes: Int)] {
    defer { lowBytes = idleBytes }
    return removeFreeSegments(budget: lowBytes)
  }

  /// Removes every wholly free segment, for the caller to unmap.
  mutating func removeAll() -> [(address: UInt, bytes: Int)] {
    defer { lowBytes = idleBytes }
    return removeFreeSegments(budget: Int.max)
  }

  private mutating func removeFreeSegments(budget: Int) -> [(address: UInt, bytes: Int)] {
    var removed: [(address: UInt, bytes: Int)] = []
    var budget = budget
    for (address, bytes) in segments.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) })
    where bytes <= budget {
      guard let block = blocks[address], block.free, block.bytes == bytes else { continue }
      removeFree(bytes, address)
      blocks[address] = nil
      segments[address] = nil
      idleBytes -= bytes
      mappedBytes -= bytes
      budget -= bytes
      removed.append((address, bytes))
    }
    return removed
  }

  private mutating func setPrevious(of address: UInt, to previous: UInt, end: UInt) {
    if address < end { blocks[address]!.previous = previous }
  }

  /// Index of the first free block (in (bytes, address) order) of at least `bytes`.
  private func firstFree(atLeast bytes: Int) -> Int {
    var (low, high) = (0, free.count)
    while low < high {
      let middle = (low + high) / 2
      if free[middle].bytes < bytes { low = middle + 1 } else { high = middle }
    }
    return low
  }

  private func position(_ bytes: Int, _ address: UInt) -> Int {
    var (low, high) = (0, free.count)
    while low < high {
      let middle = (low + high) / 2
      if (free[middle].bytes, free[middle].address) < (bytes, address) {
        low = middle + 1
      } else {
        high = middle
      }
    }
    return low
  }

  private mutating func insertFree(_ bytes: Int, _ address: UInt) {
    free.insert((bytes, address), at: position(bytes, address))
  }

  private mutating func removeFree(_ bytes: Int, _ address: UInt) {
    let index = position(bytes, address)
    precondition(
      index < free.count && free[index].address == address, "PageArena: lost a free block")
    free.remove(at: index)
  }
}
