import Foundation

/// CPU time of the whole process (every thread), in seconds. On a machine shared with other
/// work, wall time per step measures the neighbours as much as the step; CPU time per step at
/// one thread does not (docs/benchmarks.md). At two threads it includes the GEMM helpers'
/// short spin between jobs, so it is a ceiling, not the work.
public enum ProcessCPUTime {
  public static func seconds() -> Double {
    var time = timespec()
    guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
}
