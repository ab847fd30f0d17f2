import Foundation

/// One thread count of Tests/Bench/torch_bench_step.py's `--json` output: PyTorch eager's
/// step on the same model (the fields it shares with `StepBenchmarkResult`).
public struct TorchStepResult: Codable, Sendable {
  public let session: String
  public let threads: Int
  public let medianMilliseconds: Double
  public let bestMilliseconds: Double
  public let p90Milliseconds: Double?
  public let cpuMilliseconds: Double?
  public let peakResidentMiB: Double
  public let library: String?
  /// "full": the last fusion layer over every text position (ALBEF's code); "read": over the
  /// rows the ITM and MLM heads read alone, as vlp (`--last-layer read`). Absent for Oscar and
  /// in older results.
  public let lastLayer: String?
}

extension StepBenchmark {
  /// The issue's targets: vlp's steps per second over PyTorch eager's, by thread count
  /// (1.7x at one thread, 2.0x at two or more).
  public static func targetSpeedup(threads: Int) -> Double { threads <= 1 ? 1.7 : 2.0 }

  /// vlp and PyTorch side by side for each thread count both measured: medians, p90s, peaks
  /// and the speed ratio (PyTorch's median over ours: above 1, vlp is faster).
  public static func comparisonTable(
    _ ours: [StepBenchmarkResult], torch: [TorchStepResult]
  ) -> String {
    let itm =
      torch.first?.lastLayer.map {
        $0 == "read"
          ? ", last fusion layer on the rows read, as vlp"
          : ", last fusion layer whole, as ALBEF's code"
      } ?? ""
    let title = "vlp against PyTorch eager (\(ours.first?.session ?? ""), \(torch.first?.library ?? "torch")\(itm))"
    var lines = [
      title,
      "   threads   vlp median   vlp p90   torch median   torch p90   vlp speed   target"
        + "           vlp CPU   torch CPU   by CPU   vlp peak MiB   torch peak MiB",
    ]
    for r in ours {
      guard let t = torch.first(where: { $0.threads == r.threads }) else { continue }
      let ratio = t.medianMilliseconds / r.medianMilliseconds
      let target = targetSpeedup(threads: r.threads)
      lines.append(
        String(format: "%10d  %11.1f", r.threads, r.medianMilliseconds)
          + milliseconds(r.p90Milliseconds, width: 10)
          + String(format: "  %13.1f", t.medianMilliseconds)
          + milliseconds(t.p90Milliseconds, width: 12)
          + String(format: "  %9.2fx  %5.1fx ", ratio, target) + (ratio >= target ? "met    " : "not met")
          + milliseconds(r.cpuMilliseconds, width: 10) + milliseconds(t.cpuMilliseconds, width: 12)
          + cpuRatio(ours: r.cpuMilliseconds, torch: t.cpuMilliseconds)
          + String(format: "  %13.0f  %15.0f", r.peakResidentMiB, t.peakResidentMiB))
    }
    if let one = ours.first(where: { $0.threads == 1 }),
      let most = ours.filter({ $0.threads > 1 }).max(by: { $0.threads < $1.threads })
    {
      lines.append(
        String(
          format: "vlp at %d threads: %.2fx its speed at 1 (target 1.6x)", most.threads,
          one.medianMilliseconds / most.medianMilliseconds))
    }
    lines.append(
      "speed = PyTorch's median ms / ours (above 1: vlp faster); CPU = process CPU ms per step"
        + " (median), by CPU = PyTorch's / ours: on a loaded machine the one-thread CPU ratio is"
        + " the figure the neighbours do not move")
    return lines.joined(separator: "\n")
  }

  private static func cpuRatio(ours: Double?, torch: Double?) -> String {
    guard let ours, let torch, ours > 0 else { return "        -" }
    return String(format: "  %6.2fx", torch / ours)
  }
}
