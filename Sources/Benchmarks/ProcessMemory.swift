import Foundation

/// The process's resident memory from /proc/self/status (Linux), in MiB; 0 where it cannot be
/// read. `vlp bench step` reads it at phase boundaries to attribute the peak (docs/benchmarks.md).
public enum ProcessMemory {
  /// VmRSS: what is resident now.
  public static func residentMiB() -> Double { statusField("VmRSS:") }

  /// VmHWM: the most that was ever resident.
  public static func peakResidentMiB() -> Double { statusField("VmHWM:") }

  private static func statusField(_ name: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
      let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kibibytes / 1024
  }
}
