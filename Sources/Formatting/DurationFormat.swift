/// Durations as people read them on a status line or a time axis: `45s`, `3m`, `3m12s`,
/// `1h05m`; `-` for a duration that is not known (NaN or infinite). One formatter for the
/// headless progress lines, the dashboard and chart axes. It has a module of its own, under
/// Engine and TUI alike, so that a chart widget needs neither the engine nor the neural core.
public enum DurationFormat {
  public static func text(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "-" }
    let total = Int(seconds.rounded())
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m" + (total % 60 == 0 ? "" : pad(total % 60) + "s") }
    return "\(total / 3600)h" + pad((total % 3600) / 60) + "m"
  }

  private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
