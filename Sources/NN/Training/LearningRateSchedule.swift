import Foundation

/// Learning rate as a function of the step (0-based).
public enum LearningRateSchedule: Sendable, Equatable {
  case constant(Float)
  /// Linear warm-up from `warmupStart` to `peak` over `warmupSteps`, then a half cosine from
  /// `peak` down to `floor` at `totalSteps` (held at `floor` after). ALBEF pre-trains with
  /// peak 1e-4, warm-up start 1e-5, floor 1e-5.
  case warmupCosine(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float, warmupStart: Float)

  public func learningRate(at step: Int) -> Float {
    switch self {
    case .constant(let rate):
      return rate
    case .warmupCosine(let peak, let warmupSteps, let totalSteps, let floor, let warmupStart):
      if step < warmupSteps {
        return warmupStart + (peak - warmupStart) * Float(step) / Float(warmupSteps)
      }
      let span = Swift.max(1, totalSteps - warmupSteps)
      let progress = Swift.min(1, Double(step - warmupSteps) / Double(span))
      return floor + (peak - floor) * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
  }
}
