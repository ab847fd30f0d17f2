import Foundation
import Synchronization
import TSNE
import Tensor

/// `vlp bench tsne --phases`: each preparation step's wall and CPU seconds and its own peak
/// resident memory, printed on stderr as the next step starts. The peak of a step is read from
/// VmHWM, which is reset (`/proc/self/clear_refs`) at each step's start, so a `/usr/bin/time`
/// around a traced run under-reports the process peak: the trace prints the largest step peak.
public final class TSNEPreparationTrace: Sendable {
  private struct Step {
    var phase: TSNEPreparationMonitor.Phase?
    var wall: UInt64
    var cpu: Double
    var largestPeak: Double
  }
  private let step: Mutex<Step>

  public init() {
    Self.resetPeak()
    step = Mutex(
      Step(
        phase: nil, wall: DispatchTime.now().uptimeNanoseconds,
        cpu: ProcessCPUTime.seconds(), largestPeak: 0))
  }

  public var monitor: TSNEPreparationMonitor {
    TSNEPreparationMonitor(progress: { [self] phase, _ in begin(phase) })
  }

  /// Prints the last step's line and the largest peak (call once the preparation returns).
  public func finish() {
    begin(nil)
    let largest = step.withLock { $0.largestPeak }
    FileHandle.standardError.write(
      Data(String(format: "prepare: largest step peak %.0f MiB\n", largest).utf8))
  }

  private func begin(_ phase: TSNEPreparationMonitor.Phase?) {
    step.withLock { step in
      guard phase == nil || phase != step.phase else { return }
      let (wall, cpu) = (DispatchTime.now().uptimeNanoseconds, ProcessCPUTime.seconds())
      let peak = ProcessMemory.peakResidentMiB()
      let name = step.phase?.rawValue ?? "before the first step"
      let figures = String(
        format: "%.2f s wall, %.2f s CPU, peak %.0f MiB, resident after %.0f MiB",
        Double(wall - step.wall) * 1e-9, cpu - step.cpu, peak, ProcessMemory.residentMiB())
      FileHandle.standardError.write(Data("prepare: \(name): \(figures)\n".utf8))
      step = Step(phase: phase, wall: wall, cpu: cpu, largestPeak: max(step.largestPeak, peak))
      Self.resetPeak()
    }
  }

  /// VmHWM back to the current resident size (Linux 4.0+; ignored elsewhere).
  private static func resetPeak() {
    if let file = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
      file.write(Data("5".utf8))
      try? file.close()
    }
  }
}
