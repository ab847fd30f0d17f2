import Foundation
import RunLogs

/// `vlp export PATH... --curves FILE.csv|FILE.svg` on watched logs: every point as a CSV row
/// (`run,tag,step,wall_time,value`, the long form `vlp watch` reads back), or one SVG chart per
/// tag with every run overlaid (series past 4,000 points drawn as their min/max envelope).
public enum WatchExport {
  public static func csv(_ store: CurveStore) -> String {
    var lines = ["run,tag,step,wall_time,value"]
    for run in store.runs {
      for tag in run.tags {
        guard let series = run[tag] else { continue }
        let prefix = quoted(run.name) + "," + quoted(tag) + ","
        for index in 0..<series.count {
          let wall = series.wallTimes[index]
          lines.append(
            prefix + "\(series.steps[index]),\(wall.isFinite ? String(format: "%.3f", wall) : ""),\(series.values[index])")
        }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func svg(_ store: CurveStore, title: String, smoothing: Double) -> String {
    let panels = store.tags.map { tag in
      (name: tag, series: store.runs.map { run -> [(Double, Double)] in
        guard let series = run[tag] else { return [] }
        return Envelope.sample(x: series.steps.map(Double.init), y: series.values, buckets: 2000).map { ($0.x, $0.y) }
      })
    }
    return CurveExport.svg(panels: panels, seriesNames: store.runs.map(\.name), title: title, smoothing: smoothing)
  }

  static func quoted(_ text: String) -> String {
    text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
}
