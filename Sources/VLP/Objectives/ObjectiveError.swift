/// Errors of the pretraining objectives. Each names the objective (or the configuration field)
/// and the shapes or values at fault, so that a message alone locates the bad call, e.g.
/// `ITC: image (32, 256) and text (32, 128) must have the same shape (B, E)`.
public enum ObjectiveError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A configuration value that the objective cannot work with; `reason` gives the fix.
  case invalidConfiguration(field: String, reason: String)
  /// Inputs whose shapes do not fit together.
  case shapeMismatch(objective: String, detail: String)
  /// An input value out of its range: a target id outside the vocabulary, a label not 0 or 1.
  case invalidValue(objective: String, detail: String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let field, let reason):
      return "configuration field '\(field)': \(reason)"
    case .shapeMismatch(let objective, let detail):
      return "\(objective): \(detail)"
    case .invalidValue(let objective, let detail):
      return "\(objective): \(detail)"
    }
  }
}
