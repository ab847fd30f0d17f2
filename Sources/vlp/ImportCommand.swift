import Engine
import Foundation

/// `vlp import DIR --as NAME`: a PyTorch run (`vlp export SESSION --pytorch DIR`, then train.py)
/// back as a vlp session.
enum ImportCommand {
  static let usage = """
    usage: vlp import DIR --as NAME
      Makes sessions/NAME from the PyTorch run in DIR (a folder `vlp export SESSION --pytorch DIR`
      wrote and train.py trained): its session.json, every checkpoint under DIR/runs/VARIANT/
      checkpoints (weights, momentum model, optimizer moments, queues; each checked against the
      session's model and written again by vlp) and DIR/runs/VARIANT/log.jsonl as metrics.jsonl.
      Then `vlp eval NAME`, `vlp tui NAME` and `vlp tsne NAME` open it (docs/scale-out.md).
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(arguments, valueOptions: ["as"], flagOptions: [])
    guard parsed.positionals.count == 1, let name = parsed.options["as"] else {
      throw CommandLineArguments.UsageError(description: "import needs one DIR and --as NAME")
    }
    guard SessionFolder.isValidName(name) else {
      throw CommandLineArguments.UsageError(
        description: "--as '\(name)' is not a session name (letters, digits, '-', '_', '.')")
    }
    let summary = try PyTorchImport.run(
      from: URL(fileURLWithPath: parsed.positionals[0], isDirectory: true), as: name)
    for variant in summary.variants {
      let steps = variant.steps.map(String.init).joined(separator: ", ")
      print("variant \(variant.name): checkpoints at steps \(steps); \(variant.records) logged steps")
    }
    print("wrote \(summary.folder.url.relativePath)/ : vlp eval \(name) | vlp tui \(name)")
  }
}
