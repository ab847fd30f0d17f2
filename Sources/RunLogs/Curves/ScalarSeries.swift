/// One tag's points in a run, stored as three parallel arrays (no struct per point), so a
/// million points take 24 MB and a chart reads them without conversion.
public struct ScalarSeries: Sendable {
  public private(set) var steps: [Int64] = []
  /// Seconds since 1970 where the log records it (event files), else seconds since the run
  /// started (vlp's `time`), else NaN.
  public private(set) var wallTimes: [Double] = []
  public private(set) var values: [Double] = []

  public init() {}

  public var count: Int { steps.count }
  public var isEmpty: Bool { steps.isEmpty }

  public mutating func append(step: Int64, wallTime: Double, value: Double) {
    steps.append(step)
    wallTimes.append(wallTime)
    values.append(value)
  }

  /// Drops the points with `step >= from` (TensorBoard's purge after a restart). The points are
  /// in step order once purged, so the cut is found from the end.
  public mutating func removePoints(fromStep from: Int64) {
    var keep = steps.count
    while keep > 0, steps[keep - 1] >= from { keep -= 1 }
    // A series written out of order may still hold later steps before `keep`.
    if steps[..<keep].contains(where: { $0 >= from }) {
      let kept = steps.indices.filter { steps[$0] < from }
      steps = kept.map { steps[$0] }
      wallTimes = kept.map { wallTimes[$0] }
      values = kept.map { values[$0] }
      return
    }
    steps.removeSubrange(keep...)
    wallTimes.removeSubrange(keep...)
    values.removeSubrange(keep...)
  }
}

/// The curves of one run: its tags in the order first seen, each a `ScalarSeries`.
public struct RunCurves: Sendable {
  public let name: String
  public private(set) var tags: [String] = []
  public private(set) var series: [String: ScalarSeries] = [:]

  public init(name: String) { self.name = name }

  public var pointCount: Int { series.values.reduce(0) { $0 + $1.count } }

  public subscript(tag: String) -> ScalarSeries? { series[tag] }

  public mutating func append(tag: String, step: Int64, wallTime: Double, value: Double) {
    if series[tag] == nil { tags.append(tag) }
    series[tag, default: ScalarSeries()].append(step: step, wallTime: wallTime, value: value)
  }

  public mutating func removePoints(tag: String, fromStep step: Int64) {
    series[tag]?.removePoints(fromStep: step)
  }

  public mutating func removePoints(fromStep step: Int64) {
    for tag in tags { series[tag]?.removePoints(fromStep: step) }
  }

  /// The earliest wall time of any point (for relative time).
  public var startTime: Double? {
    series.values.compactMap { $0.wallTimes.first(where: { $0.isFinite }) }.min()
  }
}

/// Every run read so far, in the order found.
public struct CurveStore: Sendable {
  public private(set) var runs: [RunCurves] = []
  private var index: [String: Int] = [:]

  public init() {}

  public subscript(run: String) -> RunCurves? { index[run].map { runs[$0] } }

  public mutating func append(run: String, tag: String, step: Int64, wallTime: Double, value: Double) {
    runs[position(of: run)].append(tag: tag, step: step, wallTime: wallTime, value: value)
  }

  public mutating func removePoints(run: String, tag: String? = nil, fromStep step: Int64) {
    guard let position = index[run] else { return }
    if let tag { runs[position].removePoints(tag: tag, fromStep: step) } else {
      runs[position].removePoints(fromStep: step)
    }
  }

  /// Forgets a run's points (its file was replaced by a shorter one and is read again).
  public mutating func reset(run: String) {
    guard let position = index[run] else { return }
    runs[position] = RunCurves(name: run)
  }

  /// Makes sure a run exists (so a run with no points yet is listed).
  @discardableResult
  public mutating func position(of run: String) -> Int {
    if let position = index[run] { return position }
    runs.append(RunCurves(name: run))
    index[run] = runs.count - 1
    return runs.count - 1
  }

  /// Every tag of every run, first-seen order.
  public var tags: [String] {
    var seen = Set<String>()
    var ordered: [String] = []
    for run in runs { for tag in run.tags where seen.insert(tag).inserted { ordered.append(tag) } }
    return ordered
  }
}
