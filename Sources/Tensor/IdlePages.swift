/// The idle page mappings of `StoragePool`: pieces of address space whose pages are resident,
/// by byte size. A request is cut from the smallest piece that holds it (the rest stays idle,
/// no system call, no page fault), or, when none does, the largest piece grows to it
/// (`PageMapping.grow`: only the difference faults) and the smallest pieces, at least as many
/// bytes as it grows, are unmapped: so idle memory of one size serves requests of another
/// instead of new pages mapped beside it, and cut-off remainders too small to serve anything do
/// not pile up (growing alone, bench-small's idle pages reached 200 MiB). Each piece lies within one kernel mapping
/// (cuts and growths keep that), which `mremap` needs; joining several pieces would break it.
struct IdlePages {
  /// Piece addresses by size in bytes (plain integers are Sendable, raw pointers not).
  private var pieces: [Int: [UInt]] = [:]
  private(set) var bytes = 0
  /// The fewest idle bytes since the last `trim`: memory that nothing needed in that time.
  private(set) var lowBytes = 0

  /// How a request is served: a piece cut to size (the rest left idle), or a smaller piece to
  /// grow to it, with the pieces to unmap in exchange.
  enum Plan {
    case piece(UInt)
    case grow(UInt, bytes: Int, unmapped: [(address: UInt, bytes: Int)])
  }

  mutating func add(_ address: UInt, bytes size: Int) {
    pieces[size, default: []].append(address)
    bytes += size
  }

  /// The piece for `size` bytes, or nil when none is idle: one of exactly that size, else the
  /// smallest larger one cut, else the largest to grow.
  mutating func take(bytes size: Int) -> Plan? {
    guard bytes > 0 else { return nil }
    defer { lowBytes = Swift.min(lowBytes, bytes) }
    if let address = pop(size) { return .piece(address) }
    if let larger = pieces.keys.filter({ $0 > size && pieces[$0]?.isEmpty == false }).min(),
      let address = pop(larger)
    {
      add(address + UInt(size), bytes: larger - size)
      return .piece(address)
    }
    guard let largest = pieces.keys.max(), let address = pop(largest) else { return nil }
    var unmapped: [(address: UInt, bytes: Int)] = []
    var growth = size - largest
    while growth > 0, let smallest = pieces.keys.min(), let piece = pop(smallest) {
      unmapped.append((piece, smallest))
      growth -= smallest
    }
    return .grow(address, bytes: largest, unmapped: unmapped)
  }

  private mutating func pop(_ size: Int) -> UInt? {
    guard let address = pieces[size]?.popLast() else { return nil }
    if pieces[size]?.isEmpty == true { pieces[size] = nil }
    bytes -= size
    return address
  }

  /// Removes idle pieces, smallest first, of at most `lowBytes` in all (what nothing needed
  /// since the last trim), for the caller to unmap; starts the next interval.
  mutating func trim() -> [(address: UInt, bytes: Int)] {
    var removed: [(address: UInt, bytes: Int)] = []
    var budget = lowBytes
    for piece in pieces.keys.sorted() where piece <= budget {
      while piece <= budget, let address = pop(piece) {
        removed.append((address, piece))
        budget -= piece
      }
    }
    lowBytes = bytes
    return removed
  }

  /// Removes every idle piece, for the caller to unmap.
  mutating func removeAll() -> [(address: UInt, bytes: Int)] {
    defer {
      pieces = [:]
      bytes = 0
      lowBytes = 0
    }
    return pieces.flatMap { size, addresses in addresses.map { ($0, size) } }
  }
}
