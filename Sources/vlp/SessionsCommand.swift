import Engine
import Foundation

/// `vlp sessions`: the sessions under sessions/ with their variants and progress on disk.
enum SessionsCommand {
  static let usage = """
    usage: vlp sessions
      Lists the sessions under sessions/: variants, the latest checkpoint step and the best
      held-out mean recall so far.
    """

  static func run(_ arguments: [String]) throws {
    guard arguments.isEmpty else {
      throw CommandLineArguments.UsageError(description: "sessions takes no arguments")
    }
    for name in SessionFolder.list() {
      let folder = try SessionFolder(name: name)
      let summary = SessionSummary(folder: folder)
      print(summary.line)
    }
  }
}
