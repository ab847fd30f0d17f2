import Testing

/// Approximate equality for every test target, with one rule:
///
///     |actual − expected| ≤ max(absolute, relative · |expected|, ofLargest · L)
///
/// where L is the largest |expected| of the compared array. Each call names the terms it needs
/// (a term left out is 0, so a call with none demands exact equality):
///
/// - `absolute`: the floor for entries near zero, in the values' own units;
/// - `relative`: the share of the reference value itself (float32 rounding grows with
///   magnitude: 1e-6 to 1e-5 for one op, 1e-4 for a gradient through a chain);
/// - `ofLargest`: a floor on the array's scale, for references whose entries near zero are
///   meaningless on their own (a gradient's tiny entries, t-SNE's joint probabilities).
///
/// The bound is taken from `expected`, never from `actual`, so a wrong value cannot widen its
/// own tolerance. NaN or infinity where a finite value is expected fails. One issue is recorded
/// per call, for the worst element (the largest ratio of difference to bound).
public func expectClose<Actual: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
  _ actual: [Actual], _ expected: [Expected], absolute: Double = 0, relative: Double = 0,
  ofLargest: Double = 0, _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  let prefix = label.isEmpty ? "" : "\(label): "
  guard actual.count == expected.count else {
    Issue.record(
      "\(prefix)\(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    return
  }
  let largest = expected.map { abs(Double($0)) }.max() ?? 0
  var worst: (index: Int, ratio: Double, difference: Double, bound: Double)?
  for (index, (a, e)) in zip(actual, expected).enumerated() {
    let difference = abs(Double(a) - Double(e))
    let bound = max(absolute, relative * abs(Double(e)), ofLargest * largest)
    guard !(difference <= bound) else { continue }
    let ratio = difference.isNaN ? .infinity : difference / bound
    if worst == nil || ratio > worst!.ratio {
      worst = (index, ratio, difference, bound)
    }
  }
  if let worst {
    let message =
      "\(prefix)element \(worst.index): \(actual[worst.index]), expected "
      + "\(expected[worst.index]) (difference \(worst.difference), allowed \(worst.bound))"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
  }
}

/// `expectClose` for one value.
public func expectClose<Actual: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
  _ actual: Actual, _ expected: Expected, absolute: Double = 0, relative: Double = 0,
  _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  expectClose(
    [actual], [expected], absolute: absolute, relative: relative, label,
    sourceLocation: sourceLocation)
}
