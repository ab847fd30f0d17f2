/// The workbench's screens in tab order; the digit keys 1-6 select them.
public enum ScreenID: Int, CaseIterable, Sendable {
  case dashboard = 1
  case pseudoTargets
  case maskedTokens
  case projection
  case compare
  case sessions

  public var title: String {
    switch self {
    case .dashboard: "Dashboard"
    case .pseudoTargets: "Pseudo-targets"
    case .maskedTokens: "Masked tokens"
    case .projection: "Projection"
    case .compare: "Compare"
    case .sessions: "Sessions"
    }
  }

  /// For narrow terminals.
  public var shortTitle: String {
    switch self {
    case .dashboard: "Dash"
    case .pseudoTargets: "Pseudo"
    case .maskedTokens: "Masked"
    case .projection: "t-SNE"
    case .compare: "Compare"
    case .sessions: "Sessions"
    }
  }

  public var next: ScreenID { ScreenID(rawValue: rawValue % ScreenID.allCases.count + 1)! }
  public var previous: ScreenID {
    ScreenID(rawValue: (rawValue + ScreenID.allCases.count - 2) % ScreenID.allCases.count + 1)!
  }
}
