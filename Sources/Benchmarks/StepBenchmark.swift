import Foundation
import NN
import Tensor
import VLP

/// `vlp bench step`: milliseconds per full training step (batch and masking, forward, backward,
/// AdamW, momentum update, queue update) of a session's model, for each thread count, with the
/// parameter count and the process's peak resident memory (docs/benchmarks.md). Batches are
/// prefetched as in training; the data columns say how long the step waited for its batch and
/// how long the prefetch thread took to assemble it, beside the compute time.
public struct StepBenchmarkResult: Sendable, Codable {
  public let session: String
  public let parameters: Int
  public let threads: Int
  public let medianMilliseconds: Double
  public let bestMilliseconds: Double
  /// The 90th percentile step (nearest rank): the issue asks for it within 1.2x of the median.
  /// Nil in results saved before it was measured.
  public let p90Milliseconds: Double?
  /// Median process CPU time per step (ms, every thread): on a loaded machine the figure that
  /// the neighbours do not inflate, at one thread. Nil in results saved before it was measured.
  public let cpuMilliseconds: Double?
  public let steps: Int
  /// Peak resident set of the whole process so far (VmHWM), in MiB: data, both models,
  /// optimiser state and the step's activations.
  public let peakResidentMiB: Double
  /// Resident growth while the scene world and its prepared data were built (MiB): the world's
  /// own share of the peak, measured once and shared by every thread count's run.
  public let worldResidentMiB: Double
  /// Resident growth while the models, momentum copy, queues and optimiser were built (MiB).
  /// Nil for every run after the process's first: they reuse memory an earlier run freed.
  public let modelResidentMiB: Double?
  /// Peak minus what was resident before the first step (MiB): activations, gradients and
  /// allocator slack at a step's peak. Nil after the process's first run, as `modelResidentMiB`
  /// (the peak is the process's).
  public let stepPeakMiB: Double?
  /// Medians per step (ms): waiting for the batch, assembling it on the prefetch thread, and
  /// forward, backward and optimiser. Nil in results saved before they were measured.
  public let dataWaitMilliseconds: Double?
  public let assemblyMilliseconds: Double?
  public let computeMilliseconds: Double?
}

/// The scene world's data, built once and shared by every thread count's run, with the resident
/// memory its building added.
public struct StepBenchmarkData {
  public let data: PretrainingData
  public let residentMiB: Double

  public init(configuration: PretrainingConfiguration) throws {
    let before = ProcessMemory.residentMiB()
    data = try PretrainingData(configuration: configuration)
    residentMiB = ProcessMemory.residentMiB() - before
  }
}

public enum StepBenchmark {
  /// Builds the run once per thread count (same seed, so the same steps are timed), trains
  /// `warmup` steps untimed and then at least `steps` timed ones.
  /// `firstRun`: whether this is the process's first run, the only one whose resident growth
  /// and peak can be attributed to it.
  public static func run(
    session: String, configuration: PretrainingConfiguration, data: StepBenchmarkData,
    threads: Int, steps: Int = 20, warmup: Int = 3, firstRun: Bool
  ) throws -> StepBenchmarkResult {
    try ComputeSettings.withThreadCount(threads) {
      let beforeModels = ProcessMemory.residentMiB()
      let trainer = try Pretrainer(configuration: configuration, data: data.data)
      trainer.prefetchesBatches = true
      let beforeFirstStep = ProcessMemory.residentMiB()
      for _ in 0..<warmup { try trainer.trainStep() }
      var times: [Double] = []
      var cpuTimes: [Double] = []
      var timings: [StepTiming] = []
      for _ in 0..<max(1, steps) {
        let begin = DispatchTime.now().uptimeNanoseconds
        let cpuBegin = ProcessCPUTime.seconds()
        timings.append(try trainer.trainStep().timing)
        cpuTimes.append((ProcessCPUTime.seconds() - cpuBegin) * 1e3)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
      }
      times.sort()
      cpuTimes.sort()
      func median(_ seconds: (StepTiming) -> Double) -> Double {
        let sorted = timings.map(seconds).sorted()
        return sorted[sorted.count / 2] * 1000
      }
      return StepBenchmarkResult(
        session: session, parameters: trainer.model.parameterCount, threads: threads,
        medianMilliseconds: times[times.count / 2], bestMilliseconds: times[0],
        p90Milliseconds: percentile90(times), cpuMilliseconds: cpuTimes[cpuTimes.count / 2],
        steps: times.count,
        peakResidentMiB: ProcessMemory.peakResidentMiB(), worldResidentMiB: data.residentMiB,
        modelResidentMiB: firstRun ? beforeFirstStep - beforeModels : nil,
        stepPeakMiB: firstRun ? ProcessMemory.peakResidentMiB() - beforeFirstStep : nil,
        dataWaitMilliseconds: median(\.dataWaitSeconds),
        assemblyMilliseconds: median(\.assemblySeconds),
        computeMilliseconds: median(\.computeSeconds))
    }
  }

  /// The nearest-rank 90th percentile of sorted samples, as torch_bench_step.py computes it.
  public static func percentile90(_ sorted: [Double]) -> Double {
    sorted[min(sorted.count - 1, max(0, Int((0.9 * Double(sorted.count)).rounded(.up)) - 1))]
  }

  public static func table(_ results: [StepBenchmarkResult]) -> String {
    let title = "training step (\(results.first?.session ?? ""), \(results.first?.parameters ?? 0) parameters)"
    let columns =
      "   threads   median ms   p90 ms   best ms   CPU ms   steps   peak MiB   world MiB   models MiB   step MiB"
      + "   data wait ms   assembly ms   compute ms"
    var lines = [title + columns]
    for r in results {
      lines.append(
        String(repeating: " ", count: title.count)
          + String(
            format: "%8d  %10.1f", r.threads, r.medianMilliseconds)
          + milliseconds(r.p90Milliseconds, width: 9)
          + String(format: "  %8.1f", r.bestMilliseconds) + milliseconds(r.cpuMilliseconds, width: 9)
          + String(format: "  %6d  %9.0f  %10.0f", r.steps, r.peakResidentMiB, r.worldResidentMiB)
          + mebibytes(r.modelResidentMiB, width: 13) + mebibytes(r.stepPeakMiB, width: 11)
          + milliseconds(r.dataWaitMilliseconds, width: 15)
          + milliseconds(r.assemblyMilliseconds, width: 14)
          + milliseconds(r.computeMilliseconds, width: 13))
    }
    lines.append(
      "world = resident growth while the scene world was built (shared by every row); models ="
        + " the models, queues and optimiser; step = peak minus resident before the first step"
        + " (both for the first row only: later runs reuse its freed memory); CPU = the process's"
        + " CPU time per step, all threads (median); data wait = the"
        + " step waiting for its batch, assembly = building it on the prefetch thread (two"
        + " steps ahead), compute = forward, backward and optimiser (medians)")
    return lines.joined(separator: "\n")
  }

  static func milliseconds(_ value: Double?, width: Int) -> String {
    let text = value.map { String(format: "%.1f", $0) } ?? "-"
    return String(repeating: " ", count: max(0, width - text.count)) + text
  }

  private static func mebibytes(_ value: Double?, width: Int) -> String {
    let text = value.map { String(format: "%.0f", $0) } ?? "-"
    return String(repeating: " ", count: max(0, width - text.count)) + text
  }
}
