/// The keys of `vlp watch`: the workbench's chart keys, plus the filter, tag groups and runs.
public enum WatchKeys {
  static let arrows: [Key] = WorkbenchKeys.arrows

  static let charts: [KeyBinding] = [
    KeyBinding([.character("[")], .smoothLess, "less smoothing (TensorBoard's weight, -0.05)"),
    KeyBinding([.character("]")], .smoothMore, "more smoothing (+0.05, at most 0.999)"),
    KeyBinding([.character("y")], .toggleLogScale, "linear or logarithmic y axis"),
    KeyBinding([.character("x")], .toggleTimeAxis, "x axis: step, relative time (from each run's start), wall time"),
    KeyBinding([.character("o")], .toggleOutliers, "ignore outliers (5th-95th percentile) in the y range"),
    KeyBinding([.character("/")], .filter, "filter runs and tags by a regular expression (Enter applies, Esc cancels, empty clears)"),
  ]

  public static let global = KeyTable(
    name: "Global",
    bindings: StandardKeys.global.bindings.map { binding in
      binding.action == .showScreen
        ? KeyBinding((1...WatchScreen.allCases.count).map { .character(Character(String($0))) }, .showScreen, "go to screen 1-\(WatchScreen.allCases.count)")
        : binding.action == .quit ? KeyBinding(binding.keys, .quit, "quit") : binding
    })

  public static let screens: [KeyTable] = [
    KeyTable(
      name: WatchScreen.dashboard.title,
      bindings: charts + [
        KeyBinding(arrows, .move, "select a pane"),
        KeyBinding([.character("e"), .enter], .enlarge, "enlarge the selected pane, or shrink it back"),
        KeyBinding([.character("<"), .pageUp], .previousGroup, "previous tag group (the prefix before '/')"),
        KeyBinding([.character(">"), .pageDown], .nextGroup, "next tag group"),
      ]),
    KeyTable(
      name: WatchScreen.compare.title,
      bindings: charts + [
        KeyBinding([.left, .right, .character("h"), .character("l")], .move, "previous or next tag"),
      ]),
    KeyTable(
      name: WatchScreen.runs.title,
      bindings: [
        KeyBinding([.up, .down, .character("k"), .character("j")], .move, "choose a run"),
        KeyBinding([.space, .enter], .toggleRun, "show or hide the run on the charts"),
        KeyBinding([.character("a")], .allRuns, "show every run"),
        KeyBinding([.character("/")], .filter, "filter runs and tags by a regular expression"),
      ]),
  ]

  public static let keyMap = KeyMap(global: global, screens: screens)
}

/// The screens of `vlp watch`.
public enum WatchScreen: Int, CaseIterable, Sendable {
  case dashboard = 1, compare, runs

  public var title: String {
    switch self {
    case .dashboard: "Dashboard"
    case .compare: "Compare"
    case .runs: "Runs"
    }
  }
}

/// What the x axis shows.
enum WatchXAxis: CaseIterable {
  case step, relative, wall

  var title: String {
    switch self {
    case .step: "step"
    case .relative: "relative time"
    case .wall: "wall time"
    }
  }
}
