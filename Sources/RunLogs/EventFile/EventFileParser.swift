/// Turns the records of one event file into points of its run, applying TensorBoard's rules:
/// scalars from `simple_value` and from one-element tensors whose tag's plugin (named on its
/// first value only) is `scalars` or unnamed; for files of version 2 (every current writer) a
/// `SessionLog` START drops the run's points from its step on, for older files a step that goes
/// back drops that tag's points from it on (EventAccumulator's `purge_orphaned_data`).
public struct EventFileParser: Sendable {
  public let run: String
  private var pluginOfTag: [String: String] = [:]
  private var version = 0
  public private(set) var eventCount = 0

  public init(run: String) { self.run = run }

  /// Reads the whole records in `bytes` (file offset `base`) into `store`; returns the bytes
  /// consumed and the damaged stretches skipped.
  public mutating func consume(
    _ bytes: UnsafeRawBufferPointer, base: Int, isFinal: Bool, into store: inout CurveStore
  ) -> (consumed: Int, problems: [RecordProblem]) {
    let scan = RecordScanner.scan(bytes, base: base, isFinal: isFinal)
    var problems = scan.problems
    store.position(of: run)
    for record in scan.records {
      do {
        let event = try EventDecoding.decode(bytes, range: record.data)
        apply(event, to: &store)
      } catch {
        problems.append(RecordProblem(offset: record.fileOffset, detail: "undecodable event: \(error)"))
      }
    }
    return (scan.consumed, problems)
  }

  private mutating func apply(_ event: DecodedEvent, to store: inout CurveStore) {
    eventCount += 1
    if let fileVersion = event.fileVersion {
      version = Int(fileVersion.split(separator: ":").last ?? "") ?? 0
    }
    if event.isSessionStart, version >= 2 {
      store.removePoints(run: run, fromStep: event.step)
    }
    for value in event.values {
      if let plugin = value.pluginName, pluginOfTag[value.tag] == nil {
        pluginOfTag[value.tag] = plugin
      }
      guard let scalar = value.scalar else { continue }
      if value.fromTensor, let plugin = pluginOfTag[value.tag], plugin != "scalars" { continue }
      if version < 2, let last = store[run]?[value.tag]?.steps.last, event.step < last {
        store.removePoints(run: run, tag: value.tag, fromStep: event.step)
      }
      store.append(run: run, tag: value.tag, step: event.step, wallTime: event.wallTime, value: scalar)
    }
  }
}
