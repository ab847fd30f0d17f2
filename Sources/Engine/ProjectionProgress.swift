import Formatting
import VLP

/// Where a projection job stands: what the projection screen's progress bar and `vlp tsne`'s
/// progress line show.
public struct ProjectionProgress: Sendable, Equatable {
  public enum Phase: String, Sendable, Equatable {
    /// A copy of the model reads the pairs (on the job's thread, while training goes on).
    case features = "taking features"
    /// Neighbour search and perplexity calibration: no iterations to count, elapsed time only.
    case affinities
    case exaggerating = "early exaggeration"
    case optimising
    /// New features placed into the existing map (`TSNETransform`), a chunk of points at a time.
    case placing
    /// The placed points glide from where they were to where they are now.
    case moving
    case finished
    case cancelled
  }

  public var phase: Phase
  /// The variant whose affinities or placement are being computed (nil: all at once).
  public var variant: String?
  /// Iterations or points done, out of `total` (0 when the phase has no count).
  public var done: Int
  public var total: Int
  /// Seconds since the job started.
  public var elapsed: Double
  /// At the pace so far; nil when unknown (affinities, the first iterations).
  public var secondsLeft: Double?
  /// During `.affinities`: the preparation's current step (`TSNEPreparationMonitor.Phase`),
  /// with `done` out of `total` the whole preparation's share done.
  public var step: String? = nil

  public init(
    phase: Phase, variant: String? = nil, done: Int = 0, total: Int = 0, elapsed: Double = 0,
    secondsLeft: Double? = nil
  ) {
    (self.phase, self.variant, self.done, self.total) = (phase, variant, done, total)
    (self.elapsed, self.secondsLeft) = (elapsed, secondsLeft)
  }

  public static let finished = ProjectionProgress(phase: .finished)

  public var isRunning: Bool { phase != .finished && phase != .cancelled }

  /// Done out of total, in [0, 1]; 0 for a phase without a count.
  public var fraction: Double { total > 0 ? min(1, Double(done) / Double(total)) : 0 }

  /// `optimising · iteration 350/1,000 · 12s, 25s left`, as the screen and `vlp tsne` print it.
  public var summary: String {
    var parts = [phase.rawValue + (variant.map { " (\($0))" } ?? "")]
    if phase == .affinities, total > 0 {
      parts.append((step.map { $0 + " · " } ?? "") + "\(Int(fraction * 100))%")
    } else if total > 0 {
      let noun = phase == .placing || phase == .features ? "points" : "iteration"
      parts.append(
        noun == "points"
          ? "\(grouped(done))/\(grouped(total)) points"
          : "iteration \(grouped(done))/\(grouped(total))")
    }
    var time = DurationFormat.text(elapsed)
    if let secondsLeft, isRunning { time += ", \(DurationFormat.text(secondsLeft)) left" }
    parts.append(time)
    return parts.joined(separator: " · ")
  }

  /// Remaining time at the pace of `done` units in `seconds` (nil before any unit is done).
  public static func secondsLeft(done: Int, total: Int, seconds: Double) -> Double? {
    guard done > 0, total >= done else { return nil }
    return seconds / Double(done) * Double(total - done)
  }
}
