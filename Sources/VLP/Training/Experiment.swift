import Foundation
import Tensor

/// Trains every variant of a session for several seeds with the same budget and evaluates each
/// at the end: the workbench's version of a paper's ablation table. Runs are sequential and each
/// is deterministic, so the table is reproducible from its command.
public struct Experiment {
  public struct Run: Sendable {
    public var variant: String
    public var seed: UInt64
    public var steps: Int
    public var seconds: Double
    public var finalLosses: [NamedValue]
    public var evaluation: EvaluationReport
  }

  /// Mean and sample standard deviation of one metric over seeds.
  public struct Summary: Sendable {
    public var variant: String
    public var metric: String
    public var mean: Float
    public var standardDeviation: Float
    public var values: [Float]
  }

  public var definition: SessionDefinition
  public var seeds: [UInt64]
  /// nil: each variant's `training.steps`.
  public var steps: Int?

  public init(definition: SessionDefinition, seeds: [UInt64], steps: Int?) {
    self.definition = definition
    self.seeds = seeds
    self.steps = steps
  }

  /// Runs everything; `progress` gets a line now and then.
  public func run(progress: (String) -> Void) throws -> [Run] {
    var runs: [Run] = []
    var dataCache = PretrainingDataCache()
    for seed in seeds {
      for variant in definition.variants {
        var configuration = variant.configuration
        configuration.seed = seed
        let budget = steps ?? configuration.training.steps
        configuration.training.steps = budget
        let data = try dataCache.data(for: configuration)
        let trainer = try Pretrainer(configuration: configuration, data: data)
        trainer.prefetchesBatches = true
        let start = Date()
        var last: StepReport?
        var smoothed: [String: Float] = [:]
        var negatives = NegativeAudit()  // ITM's, since the last progress line
        while trainer.step < budget {
          let report = try trainer.trainStep()
          if let audit = report.negativeAudit { negatives += audit }
          for loss in report.losses {
            smoothed[loss.name] = smoothed[loss.name].map { 0.98 * $0 + 0.02 * loss.value } ?? loss.value
          }
          last = report
          if report.step % 250 == 0 || report.step == budget {
            let losses = report.losses.map {
              "\($0.name) \(String(format: "%.3f", smoothed[$0.name] ?? $0.value))"
            }
            let rate = Double(report.step) / Date().timeIntervalSince(start)
            progress(
              "\(variant.name) seed \(seed): step \(report.step)/\(budget)  "
                + losses.joined(separator: "  ") + String(format: "  %.1f steps/s", rate))
            if negatives.draws > 0 { progress("  ITM " + negatives.summary) }
            negatives = NegativeAudit()
          }
        }
        let evaluation = try trainer.evaluate()
        let seconds = Date().timeIntervalSince(start)
        progress(
          "\(variant.name) seed \(seed): "
            + evaluation.metrics.prefix(6).map { "\($0.name) \(String(format: "%.3f", $0.value))" }
            .joined(separator: "  "))
        runs.append(
          Run(
            variant: variant.name, seed: seed, steps: budget, seconds: seconds,
            finalLosses: (last?.losses ?? []).map { NamedValue($0.name, smoothed[$0.name] ?? $0.value) },
            evaluation: evaluation))
      }
    }
    return runs
  }

  /// Mean ± standard deviation of every evaluation metric per variant, in variant order.
  public static func summarize(_ runs: [Run]) -> [Summary] {
    var variants: [String] = []
    for run in runs where !variants.contains(run.variant) { variants.append(run.variant) }
    var summaries: [Summary] = []
    for variant in variants {
      let selected = runs.filter { $0.variant == variant }
      guard let first = selected.first else { continue }
      for metric in first.evaluation.metrics.map(\.name) {
        let values = selected.compactMap { run in
          run.evaluation.metrics.first { $0.name == metric }?.value
        }
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.count > 1
          ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count - 1) : 0
        summaries.append(
          Summary(
            variant: variant, metric: metric, mean: mean, standardDeviation: variance.squareRoot(),
            values: values))
      }
    }
    return summaries
  }
}
