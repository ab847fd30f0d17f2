/// A variant's metric records so far, shared cheaply with snapshots: full chunks are immutable
/// and shared by reference, so publishing a snapshot after every step copies at most one
/// chunk's worth of records however long the run is.
public struct MetricHistory: Sendable {
  final class Chunk: Sendable {
    let records: [MetricRecord]
    init(_ records: [MetricRecord]) { self.records = records }
  }

  static let chunkSize = 256
  private var chunks: [Chunk] = []
  private var tail: [MetricRecord] = []

  public init() {}

  public init(_ records: [MetricRecord]) {
    for record in records { append(record) }
  }

  public mutating func append(_ record: MetricRecord) {
    tail.append(record)
    if tail.count == Self.chunkSize {
      chunks.append(Chunk(tail))
      tail.removeAll(keepingCapacity: true)
    }
  }

  public var count: Int { chunks.count * Self.chunkSize + tail.count }
  public var isEmpty: Bool { count == 0 }
  public var last: MetricRecord? { tail.last ?? chunks.last?.records.last }

  public subscript(index: Int) -> MetricRecord {
    let chunk = index / Self.chunkSize
    return chunk < chunks.count ? chunks[chunk].records[index % Self.chunkSize] : tail[index - chunks.count * Self.chunkSize]
  }

  /// Every record in step order.
  public var records: [MetricRecord] { chunks.flatMap(\.records) + tail }

  /// The (step, value) series of one loss, `total` included.
  public func series(_ loss: String) -> [(step: Int, time: Double, value: Float)] {
    var points: [(step: Int, time: Double, value: Float)] = []
    points.reserveCapacity(count)
    for chunk in chunks {
      for record in chunk.records { if let value = record.loss(loss) { points.append((record.step, record.time, value)) } }
    }
    for record in tail { if let value = record.loss(loss) { points.append((record.step, record.time, value)) } }
    return points
  }

  /// The loss names in display order, from the latest record.
  public var lossNames: [String] { last?.losses.map(\.name) ?? [] }
}
