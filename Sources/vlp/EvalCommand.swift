import Engine
import Foundation
import Tensor
import VLP

/// `vlp eval SESSION`: held-out evaluation of each variant's latest (or a given) checkpoint.
enum EvalCommand {
  static let usage = """
    usage: vlp eval SESSION [--checkpoint FILE] [--set key=value ...] [--threads N] [--json]
      SESSION is a name under sessions/ or a session folder's path (sessions/default/).
      Evaluates every variant's latest checkpoint (or only FILE's variant) on the held-out
      split: retrieval R@1/5/10 both ways, MLM top-1/top-5 and ITM accuracy.
      --set key=value   e.g. evaluation.retrievalPairs=500 (repeatable);
                        evaluation.purityNeighbours=10 adds the kNN class purity of region
                        and word features (purity_region, purity_word, purity_cross)
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["checkpoint", "set", "threads"], flagOptions: ["json"])
    let folder = try SessionArgument.folder(parsed, command: "eval")
    let threads = try parsed.options["threads"].map({ _ in try parsed.integers("threads", default: [])[0] })
    let weights = try SessionWeights(
      folder: folder, overrides: parsed.repeated["set"] ?? [],
      checkpoint: parsed.options["checkpoint"].map { URL(fileURLWithPath: $0) })
    let results = try ComputeSettings.withThreadCount(threads ?? ComputeSettings.threadCount) {
      try weights.evaluate()
    }
    if parsed.flags.contains("json") {
      struct Row: Encodable {
        var variant: String
        var step: Int
        var checkpoint: String
        var metrics: [String: Float]
      }
      let rows = zip(results, weights.variants).map { result, variant in
        Row(
          variant: result.variant, step: result.step, checkpoint: variant.checkpoint.relativePath,
          metrics: Dictionary(uniqueKeysWithValues: result.report.metrics.map { ($0.name, $0.value) }))
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(rows), as: UTF8.self))
      return
    }
    let names = results.first?.report.metrics.map(\.name) ?? []
    let width = max(14, (results.map(\.variant.count).max() ?? 0) + 2)
    print("variant".padding(toLength: width, withPad: " ", startingAt: 0) + "step".leftPadded(8)
      + names.map { $0.leftPadded(max(9, $0.count + 2)) }.joined())
    for result in results {
      var line = result.variant.padding(toLength: width, withPad: " ", startingAt: 0)
      line += String(result.step).leftPadded(8)
      for name in names {
        let value = result.report.metrics.first { $0.name == name }?.value
        line += (value.map { String(format: "%.3f", $0) } ?? "-").leftPadded(max(9, name.count + 2))
      }
      print(line)
    }
    print("(\(results.first?.report.retrievalPairs ?? 0) held-out pairs; chance R@1 "
      + String(format: "%.3f", 1 / Double(max(1, results.first?.report.retrievalPairs ?? 1))) + ")")
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? " " + self : String(repeating: " ", count: width - count) + self
  }
}
