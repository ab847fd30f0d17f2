/// Errors reading or writing run logs; each names the file and, where it helps, the byte
/// offset or line.
public enum RunLogError: Error, CustomStringConvertible, Equatable {
  case io(path: String, detail: String)
  case notFound(path: String)
  case unsupported(path: String, detail: String)
  case malformed(path: String, line: Int, detail: String)

  public var description: String {
    switch self {
    case .io(let path, let detail): "\(path): \(detail)"
    case .notFound(let path): "\(path): no such file or folder"
    case .unsupported(let path, let detail): "\(path): \(detail)"
    case .malformed(let path, let line, let detail): "\(path):\(line): \(detail)"
    }
  }
}
