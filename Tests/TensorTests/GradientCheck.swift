import Testing

@testable import Tensor

/// Finite-difference gradient checking shared by every op test.
///
/// The check differentiates L = sum(f(inputs) * R) for a fixed random R (so that every output
/// element matters with a different weight), compares the analytic gradient from `backward`
/// with central differences (L(x + h) - L(x - h)) / 2h evaluated in Double from the float
/// outputs, and records a test issue for every element outside |numeric - analytic| <=
/// tolerance * max(1, |numeric|). With h = 1e-2 on inputs of order 1, float32 rounding stays
/// near 1e-4 while any wrong gradient rule is off by order 1.
func checkGradients(
  _ inputs: [Tensor], step: Float = 1e-2, tolerance: Float = 1e-2, seed: UInt64 = 99,
  _ sourceLocation: SourceLocation = #_sourceLocation,
  _ function: ([Tensor]) throws -> Tensor
) throws {
  for input in inputs {
    input.zeroGrad()
    input.requiringGrad()
  }
  let output = try function(inputs)
  var rng = RandomGenerator(seed: seed)
  let weights = (0..<output.count).map { _ in Float(rng.nextNormal()) }
  try output.backward(gradient: Tensor(shape: output.shape, values: weights))

  func weightedSum() throws -> Double {
    let value = try noGrad { try function(inputs) }
    var sum = 0.0
    for i in 0..<value.count { sum += Double(value.storage.pointer[i]) * Double(weights[i]) }
    return sum
  }

  for (inputIndex, input) in inputs.enumerated() {
    let analytic = input.gradStorage?.array ?? [Float](repeating: 0, count: input.count)
    let values = input.storage.pointer
    for i in 0..<input.count {
      let original = values[i]
      values[i] = original + step
      let plus = try weightedSum()
      values[i] = original - step
      let minus = try weightedSum()
      values[i] = original
      let numeric = Float((plus - minus) / (2 * Double(step)))
      let error = Swift.abs(numeric - analytic[i])
      if error > tolerance * max(1, Swift.abs(numeric)) {
        Issue.record(
          "gradient of input \(inputIndex) \(input.shape) at element \(i): analytic \(analytic[i]), numeric \(numeric)",
          sourceLocation: sourceLocation)
        return
      }
    }
  }
}

/// A tensor of the given shape with seeded normal values scaled by `scale`.
func randomTensor(_ dimensions: [Int], seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
  var rng = RandomGenerator(seed: seed)
  let shape = Shape(dimensions)
  let values = (0..<shape.count).map { _ in Float(rng.nextNormal()) * scale + offset }
  return try! Tensor(shape: shape, values: values)
}
