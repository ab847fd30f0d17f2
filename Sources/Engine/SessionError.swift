import Foundation

/// What can go wrong with a session folder, each naming the file (and line) and the fix.
public enum SessionError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A name that is not a plain folder name inside `sessions/`.
  case invalidName(String)
  case notFound(name: String, root: String, available: [String])
  /// A path given as a SESSION that is not a folder holding session.json.
  case notASessionFolder(path: String, problem: String)
  /// A metrics or evaluation log line that cannot be read.
  case corruptLog(path: String, line: Int, detail: String)
  case noCheckpoint(session: String, variant: String)
  case io(path: String, detail: String)
  case variantMismatch(path: String, detail: String)

  public var description: String {
    switch self {
    case .invalidName(let name):
      "'\(name)' is not a session name: use letters, digits, '-', '_' and '.', not starting with "
        + "'.', without '/' (sessions live in sessions/NAME/)"
    case .notFound(let name, let root, let available):
      "no session '\(name)' in \(root)/ (no \(root)/\(name)/session.json); available: "
        + (available.isEmpty ? "none" : available.joined(separator: ", "))
    case .notASessionFolder(let path, let problem):
      "\(path): not a session folder: \(problem); a SESSION is a name under sessions/ or the "
        + "path of a folder holding session.json"
    case .corruptLog(let path, let line, let detail):
      "\(path):\(line): \(detail); nothing was changed: repair or remove that line, or move the "
        + "file aside to start its log afresh (checkpoints are not affected)"
    case .noCheckpoint(let session, let variant):
      "session '\(session)' has no checkpoint for variant '\(variant)' yet: train it first "
        + "with `vlp run \(session)`"
    case .io(let path, let detail): "\(path): \(detail)"
    case .variantMismatch(let path, let detail): "\(path): \(detail)"
    }
  }
}
