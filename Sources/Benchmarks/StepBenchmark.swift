import Foundation
import NN
import Tensor
import VLP

/// `vlp bench step`: milliseconds per full training step (batch and masking, forward, backward,
/// AdamW, momentum update, queue update) of a session's model, for each thread count, with the
/// parameter count and the process's peak resident memory (docs/benchmarks.md).
public struct StepBenchmarkResult: Sendable, Codable {
  public let session: String
  public let parameters: Int
  public let threads: Int
  public let medianMilliseconds: Double
  public let bestMilliseconds: Double
  public let steps: Int
  /// Peak resident set of the whole process so far (VmHWM), in MiB: data, both models,
  /// optimiser state and the step's activations.
  public let peakResidentMiB: Double
}

public enum StepBenchmark {
  /// Builds the run once per thread count (same seed, so the same steps are timed), trains
  /// `warmup` steps untimed and then at least `steps` timed ones.
  public static func run(
    session: String, configuration: PretrainingConfiguration, threads: Int, steps: Int = 20,
    warmup: Int = 3
  ) throws -> StepBenchmarkResult {
    try ComputeSettings.withThreadCount(threads) {
      let trainer = try Pretrainer(configuration: configuration)
      for _ in 0..<warmup { try trainer.trainStep() }
      var times: [Double] = []
      for _ in 0..<max(1, steps) {
        let begin = DispatchTime.now().uptimeNanoseconds
        try trainer.trainStep()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
      }
      times.sort()
      return StepBenchmarkResult(
        session: session, parameters: trainer.model.parameterCount, threads: threads,
        medianMilliseconds: times[times.count / 2], bestMilliseconds: times[0], steps: times.count,
        peakResidentMiB: peakResidentMiB())
    }
  }

  /// VmHWM from /proc/self/status (Linux); 0 where it cannot be read.
  public static func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kibibytes / 1024
  }

  public static func table(_ results: [StepBenchmarkResult]) -> String {
    let title = "training step (\(results.first?.session ?? ""), \(results.first?.parameters ?? 0) parameters)"
    let columns = "   threads   median ms   best ms   steps   peak MiB"
    var lines = [title + columns]
    for r in results {
      lines.append(
        String(repeating: " ", count: title.count)
          + String(format: "%8d  %10.1f  %8.1f  %6d  %9.0f", r.threads, r.medianMilliseconds,
            r.bestMilliseconds, r.steps, r.peakResidentMiB))
    }
    return lines.joined(separator: "\n")
  }
}
