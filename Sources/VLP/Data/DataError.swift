/// One thing wrong with a data file, located as precisely as the format allows: a line for
/// TSV and text files, a JSON path (`annotations[3].image_id`) for JSON documents.
public struct DataProblem: Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var field: String?
  public var reason: String

  public init(file: String, line: Int? = nil, field: String? = nil, reason: String) {
    self.file = file
    self.line = line
    self.field = field
    self.reason = reason
  }

  /// Compiler style, so that editors and terminals can jump to it: `file:line: field: reason`.
  public var description: String {
    var text = file
    if let line { text += ":\(line)" }
    text += ": "
    if let field { text += "\(field): " }
    return text + reason
  }
}

/// Errors of the data layer. Each names the file, line or field at fault and, where there is
/// one, the fix.
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A file or folder that should exist does not.
  case missingFile(path: String, hint: String)
  /// A data set that has problems; loading refuses it rather than training on part of it.
  /// `total` counts every problem found, `problems` holds the first ones (up to the limit).
  case invalidData(problems: [DataProblem], total: Int)
  /// A configuration value outside its range, or of the wrong type.
  case invalidConfiguration(field: String, reason: String)
  /// A configuration key that no field has: most often a misspelling.
  case unknownConfigurationKey(field: String, known: [String])
  /// A path that holds no format this layer reads.
  case unrecognizedFormat(path: String, reason: String)
  /// Writing an export failed or would overwrite something.
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .missingFile(let path, let hint):
      return "\(path): no such file or folder; \(hint)"
    case .invalidData(let problems, let total):
      var lines = problems.map(\.description)
      if total > problems.count { lines.append("... and \(total - problems.count) more problems") }
      let noun = total == 1 ? "problem" : "problems"
      return "refusing data with \(total) \(noun):\n"
        + lines.map { "  " + $0 }.joined(separator: "\n")
    case .invalidConfiguration(let field, let reason):
      return "configuration field '\(field)': \(reason)"
    case .unknownConfigurationKey(let field, let known):
      return
        "configuration has an unknown key '\(field)' (known keys: \(known.joined(separator: ", ")))"
    case .unrecognizedFormat(let path, let reason):
      return "\(path): \(reason)"
    case .cannotWrite(let path, let reason):
      return "\(path): cannot write: \(reason)"
    }
  }
}

/// Collects problems while a reader keeps going, so that `vlp data inspect` can list them all
/// (up to `limit`) and a training load can refuse the data with the same list.
public struct ProblemLog: Sendable {
  public let limit: Int
  public private(set) var problems: [DataProblem] = []
  public private(set) var total = 0

  public init(limit: Int = 50) {
    self.limit = max(1, limit)
  }

  public var isEmpty: Bool { total == 0 }

  public mutating func report(_ problem: DataProblem) {
    total += 1
    if problems.count < limit { problems.append(problem) }
  }

  public mutating func report(
    file: String, line: Int? = nil, field: String? = nil, _ reason: String
  ) {
    report(DataProblem(file: file, line: line, field: field, reason: reason))
  }

  /// Adds the problems of a reader that stopped (a file that is not UTF-8 or not JSON).
  public mutating func report(contentsOf problems: [DataProblem]) {
    for problem in problems { report(problem) }
  }

  /// Throws `invalidData` when anything was reported.
  public func throwIfAny() throws {
    if total > 0 { throw DataError.invalidData(problems: problems, total: total) }
  }
}
