/// A long series drawn in a few hundred columns: for each of `buckets` equal stretches of x, the
/// lowest and the highest point in the order they occur, so every spike stays visible (unlike
/// sampling, which TensorBoard's reservoir does and which hides them: tensorboard#4042).
public enum Envelope {
  /// Points `(x[i], y[i])`, x non-decreasing; at most `2 * buckets` come back. Series of at
  /// most that many points come back whole. Non-finite values are left out.
  public static func sample(x: [Double], y: [Double], buckets: Int) -> [ChartPoint] {
    let count = min(x.count, y.count)
    guard count > 2 * max(1, buckets) else {
      return (0..<count).compactMap {
        x[$0].isFinite && y[$0].isFinite ? ChartPoint(x: x[$0], y: y[$0]) : nil
      }
    }
    guard let low = x.first(where: \.isFinite), let high = x.last(where: \.isFinite), high > low
    else { return [] }
    let scale = Double(buckets) / (high - low)
    var points: [ChartPoint] = []
    points.reserveCapacity(2 * buckets + 2)
    var bucket = -1
    var minimum = -1
    var maximum = -1
    func flush() {
      guard minimum >= 0 else { return }
      let first = min(minimum, maximum)
      let second = max(minimum, maximum)
      points.append(ChartPoint(x: x[first], y: y[first]))
      if second != first { points.append(ChartPoint(x: x[second], y: y[second])) }
    }
    for index in 0..<count where x[index].isFinite && y[index].isFinite {
      let current = min(buckets - 1, Int((x[index] - low) * scale))
      if current != bucket {
        flush()
        bucket = current
        minimum = index
        maximum = index
      } else if y[index] < y[minimum] {
        minimum = index
      } else if y[index] > y[maximum] {
        maximum = index
      }
    }
    flush()
    return points
  }
}
