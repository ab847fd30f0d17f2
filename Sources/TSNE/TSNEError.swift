/// Why a t-SNE run, a trustworthiness score or a matrix file was refused. Each case names the
/// problem and, where there is one, the fix.
public enum TSNEError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Fewer points than t-SNE can place (perplexity needs neighbours; the optimiser needs 4).
  case tooFewPoints(count: Int, minimum: Int)
  /// The data's size does not match the declared shape.
  case shapeMismatch(values: Int, points: Int, dimensions: Int)
  /// A NaN or infinity in the input, at a point and coordinate.
  case nonFiniteValue(point: Int, dimension: Int)
  /// An option outside its range (`perplexity`, `theta`, `iterations`, ...).
  case invalidOption(name: String, reason: String)
  /// The exact method on more points than its N x N affinities can hold.
  case tooManyPointsForExact(count: Int, maximum: Int)
  /// A matrix or label file that cannot be read (the path and what is wrong with it).
  case unreadableFile(path: String, reason: String)

  public var description: String {
    switch self {
    case .tooFewPoints(let count, let minimum):
      return "t-SNE needs at least \(minimum) points, got \(count)"
    case .shapeMismatch(let values, let points, let dimensions):
      return "t-SNE input holds \(values) values, not \(points) points x \(dimensions) dimensions"
    case .nonFiniteValue(let point, let dimension):
      return "t-SNE input has a NaN or infinite value at point \(point), dimension \(dimension)"
        + " (remove or impute it first)"
    case .invalidOption(let name, let reason):
      return "t-SNE option \(name): \(reason)"
    case .tooManyPointsForExact(let count, let maximum):
      return "exact t-SNE keeps an N x N matrix and takes at most \(maximum) points, got \(count)"
        + " (use --method barnes-hut)"
    case .unreadableFile(let path, let reason):
      return "\(path): \(reason)"
    }
  }
}
