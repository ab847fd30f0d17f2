import Foundation
import RunLogs

/// Which runs and tags the charts show: runs the user has not hidden, and the (run, tag) pairs
/// whose run or tag the filter's regular expression matches. Tags are grouped by their prefix
/// before the first `/` (`loss/itc` and `loss/mlm` under `loss`), as TensorBoard groups them.
struct WatchSelection {
  var hiddenRuns: Set<String> = []
  var filter: NSRegularExpression?
  var filterText = ""

  func matches(_ text: String) -> Bool {
    guard let filter else { return true }
    return filter.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
  }

  func shows(run: String, tag: String) -> Bool {
    !hiddenRuns.contains(run) && (matches(run) || matches(tag))
  }

  /// The shown runs holding `tag`.
  func runs(_ store: CurveStore, tag: String) -> [RunCurves] {
    store.runs.filter { $0[tag] != nil && shows(run: $0.name, tag: tag) }
  }

  /// Tags with at least one shown run, grouped (groups in order of first appearance).
  func tags(_ store: CurveStore) -> [String] {
    let shown = store.tags.filter { tag in store.runs.contains { $0[tag] != nil && shows(run: $0.name, tag: tag) } }
    let groups = Self.groups(of: shown)
    return groups.flatMap { group in shown.filter { Self.group(of: $0) == group } }
  }

  static func group(of tag: String) -> String {
    tag.split(separator: "/", maxSplits: 1).first.map(String.init) ?? tag
  }

  static func groups(of tags: [String]) -> [String] {
    var groups: [String] = []
    for tag in tags {
      let group = group(of: tag)
      if !groups.contains(group) { groups.append(group) }
    }
    return groups
  }
}

/// The chart series of one tag: each shown run's points on the chosen x axis, as an envelope of
/// at most two points per dot column, and its smoothed curve computed over every point first.
struct WatchSeries {
  static func series(
    _ runs: [RunCurves], tag: String, xAxis: WatchXAxis, smoothing: Double, columns: Int,
    theme: Theme, allRuns: [RunCurves]
  ) -> [ChartSeries] {
    let wallStart = allRuns.compactMap(\.startTime).min() ?? 0
    return runs.compactMap { run -> ChartSeries? in
      guard let series = run[tag], !series.isEmpty else { return nil }
      let x: [Double]
      switch xAxis {
      case .step: x = series.steps.map(Double.init)
      case .relative:
        let start = run.startTime ?? 0
        x = series.wallTimes.map { $0 - start }
      case .wall: x = series.wallTimes.map { $0 - wallStart }
      }
      let buckets = max(8, columns)
      let raw = Envelope.sample(x: x, y: series.values, buckets: buckets)
      let smoothed = smoothing > 0
        ? Envelope.sample(x: x, y: Smoothing.debiasedEMA(series.values, weight: smoothing), buckets: buckets)
        : nil
      let position = allRuns.firstIndex { $0.name == run.name } ?? 0
      return ChartSeries(name: run.name, color: theme.seriesColor(position), points: raw, smoothed: smoothed)
    }
  }
}
