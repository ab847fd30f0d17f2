/// One slot of a row or column split.
public enum LayoutSize: Hashable, Sendable {
  /// Exactly this many cells (fewer when the total runs out).
  case fixed(Int)
  /// This fraction of the whole length, rounded so that the slots still sum to the total.
  case fraction(Double)
  /// An equal share (by weight) of whatever the fixed and fractional slots leave.
  case fill(weight: Int = 1)

  public static let fill = LayoutSize.fill(weight: 1)
}

/// Splits rectangles into rows and columns. Slots always cover the rectangle exactly: their
/// lengths sum to the total whenever a `.fill` slot is present (otherwise to at most the total).
public enum Layout {
  public static func rows(_ rect: Rect, _ sizes: [LayoutSize]) -> [Rect] {
    var y = rect.y
    return lengths(total: rect.height, sizes).map { length in
      defer { y += length }
      return Rect(x: rect.x, y: y, width: rect.width, height: length)
    }
  }

  public static func columns(_ rect: Rect, _ sizes: [LayoutSize]) -> [Rect] {
    var x = rect.x
    return lengths(total: rect.width, sizes).map { length in
      defer { x += length }
      return Rect(x: x, y: rect.y, width: length, height: rect.height)
    }
  }

  /// Fixed slots first, in order, until the total runs out; then fractions of the total; then
  /// fills share the rest. Fractional parts go to the slots with the largest remainders
  /// (Hamilton's method), so 3 x 1/3 of 10 gives 4, 3, 3 and never 3, 3, 3.
  public static func lengths(total: Int, _ sizes: [LayoutSize]) -> [Int] {
    var result = [Int](repeating: 0, count: sizes.count)
    var left = max(0, total)
    for (index, size) in sizes.enumerated() {
      if case .fixed(let length) = size {
        result[index] = min(max(0, length), left)
        left -= result[index]
      }
    }
    var shares: [(index: Int, exact: Double)] = []
    for (index, size) in sizes.enumerated() {
      if case .fraction(let fraction) = size {
        shares.append((index, max(0, fraction) * Double(total)))
      }
    }
    let fractionTotal = shares.reduce(0) { $0 + $1.exact }
    if fractionTotal > Double(left) {
      shares = shares.map { ($0.index, $0.exact * Double(left) / fractionTotal) }
    }
    left -= apportion(shares, into: &result, budget: min(left, Int(fractionTotal.rounded())))
    var weights: [(index: Int, exact: Double)] = []
    for (index, size) in sizes.enumerated() {
      if case .fill(let weight) = size { weights.append((index, Double(max(0, weight)))) }
    }
    let weightTotal = weights.reduce(0) { $0 + $1.exact }
    if weightTotal > 0 {
      let scaled = weights.map { ($0.index, $0.exact * Double(left) / weightTotal) }
      left -= apportion(scaled, into: &result, budget: left)
    }
    return result
  }

  /// Gives each share its floor, then one more cell to the largest remainders until `budget`
  /// cells are handed out; returns the cells given.
  private static func apportion(
    _ shares: [(index: Int, exact: Double)], into result: inout [Int], budget: Int
  ) -> Int {
    guard !shares.isEmpty, budget > 0 else { return 0 }
    var given = 0
    for share in shares {
      let floor = min(Int(share.exact.rounded(.down)), budget - given)
      result[share.index] = floor
      given += floor
    }
    let byRemainder = shares.sorted {
      ($0.exact - $0.exact.rounded(.down)) > ($1.exact - $1.exact.rounded(.down))
    }
    for share in byRemainder where given < budget {
      result[share.index] += 1
      given += 1
    }
    return given
  }
}
