import Foundation
import Testing
import TestSupport

@testable import Tensor

/// Tests/Fixtures/losses_reference.json, written by Tests/Fixtures/losses_reference.py (numpy).
/// For the pointwise losses `logits` holds the prediction and `softTargets` the target.
private struct LossFixture: Decodable {
  struct Case: Decodable {
    let name: String
    let kind: String
    let shape: [Int]
    let logits: [Double]
    let targets: [Int]?
    let softTargets: [Double]?
    let ignoreIndex: Int?
    let labelSmoothing: Double?
    let beta: Double?
    let loss: Double
    let gradLogits: [Double]
    let gradTargets: [Double]?
  }
  let cases: [Case]

  static func load() throws -> LossFixture {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .appendingPathComponent("Fixtures/losses_reference.json")
    return try JSONDecoder().decode(LossFixture.self, from: Data(contentsOf: url))
  }
}

/// Cross-entropy with ignore index and label smoothing in Double: (loss, d loss / d logits).
private func naiveCrossEntropy(
  _ x: [Float], _ targets: [Int], rows: Int, classes: Int, ignoreIndex: Int, smoothing: Double
) -> (Double, [Double]) {
  var (loss, grad, counted) = (0.0, [Double](repeating: 0, count: x.count), 0)
  for r in 0..<rows where targets[r] != ignoreIndex {
    counted += 1
    let row = (0..<classes).map { Double(x[r * classes + $0]) }
    let m = row.max()!
    let logSum = Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
    for c in 0..<classes {
      let logP = (row[c] - m) - logSum
      let q = smoothing / Double(classes) + (c == targets[r] ? 1 - smoothing : 0)
      loss -= q * logP
      grad[r * classes + c] = Foundation.exp(logP) - q
    }
  }
  guard counted > 0 else { return (0, grad) }
  return (loss / Double(counted), grad.map { $0 / Double(counted) })
}

@Suite struct LossTests {
  /// Evaluates one fixture case: the loss and the gradients of both inputs.
  private func evaluate(_ c: LossFixture.Case) throws -> (Float, [Float], [Float]?) {
    let logits = try Tensor(shape: Shape(c.shape), values: c.logits.map(Float.init)).requiringGrad()
    let other = try c.softTargets.map {
      try Tensor(shape: Shape(c.shape), values: $0.map(Float.init)).requiringGrad()
    }
    let loss: Tensor
    switch c.kind {
    case "crossEntropy":
      loss = try Tensor.crossEntropy(
        logits: logits, targets: IndexTensor(c.targets!), ignoreIndex: c.ignoreIndex!,
        labelSmoothing: Float(c.labelSmoothing!))
    case "softCrossEntropy": loss = try Tensor.crossEntropy(logits: logits, softTargets: other!)
    case "klDivergence": loss = try Tensor.klDivergence(logits: logits, targetProbabilities: other!)
    case "meanSquaredError": loss = try Tensor.meanSquaredError(logits, other!)
    case "smoothL1": loss = try Tensor.smoothL1(logits, other!, beta: Float(c.beta!))
    case "binaryCrossEntropyWithLogits":
      loss = try Tensor.binaryCrossEntropyWithLogits(logits: logits, targets: other!)
    default: throw TensorError.invalidArgument(op: "fixture", detail: "unknown kind \(c.kind)")
    }
    #expect(loss.shape == Shape([]))
    try loss.backward()
    return (try loss.item(), logits.grad!.scalars, other?.grad?.scalars)
  }

  @Test func matchesNumPyReference() throws {
    let fixture = try LossFixture.load()
    #expect(fixture.cases.count >= 20)
    for c in fixture.cases {
      let (loss, gradLogits, gradTargets) = try evaluate(c)
      expectClose(loss, c.loss, relative: 1e-5, "\(c.name) loss")
      expectClose(gradLogits, c.gradLogits, relative: 1e-5, ofLargest: 1e-8, "\(c.name) d/dlogits")
      if let expected = c.gradTargets {
        expectClose(
          gradTargets ?? [], expected, relative: 1e-5, ofLargest: 1e-8, "\(c.name) d/dtargets")
      }
    }
  }

  @Test(arguments: [1, 7, 33, 129, 64], [1, 7, 33, 129, 64])
  func crossEntropyMatchesNaiveLoop(rows: Int, classes: Int) throws {
    let x = randomTensor([rows, classes], seed: UInt64(rows * 1000 + classes), scale: 3)
    var rng = RandomGenerator(seed: 61)
    let targets = (0..<rows).map { r in r % 5 == 3 ? -100 : rng.nextInt(below: classes) }
    for smoothing in [0.0, 0.1] {
      x.zeroGrad()
      x.requiringGrad()
      let loss = try Tensor.crossEntropy(
        logits: x, targets: IndexTensor(targets), labelSmoothing: Float(smoothing))
      try loss.backward()
      let (expectedLoss, expectedGrad) = naiveCrossEntropy(
        x.scalars, targets, rows: rows, classes: classes, ignoreIndex: -100, smoothing: smoothing)
      expectClose(try loss.item(), expectedLoss, relative: 1e-5, "loss")
      expectClose(x.grad!.scalars, expectedGrad.map(Float.init), absolute: 1e-6, relative: 1e-6)
    }
  }

  @Test(arguments: [[4, 5], [7, 33], [1, 3]])
  func gradients(shape: [Int]) throws {
    let (rows, classes) = (shape[0], shape[1])
    let logits = randomTensor(shape, seed: 71, scale: 2)
    let targets = IndexTensor((0..<rows).map { ($0 * 7) % classes })
    try checkGradients([logits]) { try Tensor.crossEntropy(logits: $0[0], targets: targets) }
    try checkGradients([logits]) {
      try Tensor.crossEntropy(logits: $0[0], targets: targets, labelSmoothing: 0.2)
    }
    // Positive targets, not normalised: both inputs get gradients.
    let probabilities = randomTensor(shape, seed: 72, scale: 0.05, offset: 0.3)
    try checkGradients([logits, probabilities]) {
      try Tensor.crossEntropy(logits: $0[0], softTargets: $0[1])
    }
    try checkGradients([logits, probabilities]) {
      try Tensor.klDivergence(logits: $0[0], targetProbabilities: $0[1])
    }
    let prediction = randomTensor(shape, seed: 73)
    let target = randomTensor(shape, seed: 74)
    try checkGradients([prediction, target]) { try Tensor.meanSquaredError($0[0], $0[1]) }
    try checkGradients([prediction, target]) {
      try Tensor.binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1])
    }
    // Smooth L1: differences kept away from the kink of beta = 0 (|d| >= 0.5).
    var rng = RandomGenerator(seed: 75)
    let offsets = (0..<prediction.count).map { _ in
      Float(rng.nextInt(below: 2) * 2 - 1) * (0.5 + rng.nextFloat())
    }
    let shifted = try Tensor(
      shape: Shape(shape), values: zip(prediction.scalars, offsets).map { $0 - $1 })
    for beta: Float in [1, 0.3, 0] {
      try checkGradients([prediction, shifted]) { try Tensor.smoothL1($0[0], $0[1], beta: beta) }
    }
  }

  @Test func everyRowIgnoredGivesZeroAndNoGradient() throws {
    let logits = randomTensor([3, 4], seed: 81).requiringGrad()
    let loss = try Tensor.crossEntropy(logits: logits, targets: IndexTensor([-100, -100, -100]))
    #expect(try loss.item() == 0)
    try loss.backward()
    #expect(logits.grad!.scalars.allSatisfy { $0 == 0 })
    let empty = Tensor.zeros([0, 4]).requiringGrad()
    #expect(try Tensor.crossEntropy(logits: empty, softTargets: Tensor.zeros([0, 4])).item() == 0)
    #expect(try Tensor.meanSquaredError(Tensor.zeros([0]), Tensor.zeros([0])).item() == 0)
  }

  @Test func largeMagnitudesStayFinite() throws {
    let logits = randomTensor([4, 129], seed: 82, scale: 1000).requiringGrad()
    let loss = try Tensor.crossEntropy(
      logits: logits, targets: IndexTensor([0, 5, 128, 64]), labelSmoothing: 0.1)
    try loss.backward()
    #expect(try loss.item().isFinite)
    #expect(logits.grad!.scalars.allSatisfy { $0.isFinite })
    let probabilities = try logits.detached().softmax()
    let kl = try Tensor.klDivergence(logits: logits, targetProbabilities: probabilities)
    #expect(try Swift.abs(kl.item()) < 1e-3)  // KL(p || p) = 0, with many exact zeros in p
    let soft = try Tensor.crossEntropy(logits: logits, softTargets: probabilities)
    #expect(try soft.item().isFinite)
    let bce = try Tensor.binaryCrossEntropyWithLogits(
      logits: logits, targets: Tensor.ones([4, 129]))
    #expect(try bce.item().isFinite)
  }

  @Test func errorsNameTheOpAndShapes() throws {
    func message(_ body: () throws -> Tensor) -> String {
      do {
        _ = try body()
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    let logits = randomTensor([8, 10], seed: 83)
    #expect(
      message {
        try Tensor.crossEntropy(logits: logits, targets: IndexTensor(Array(repeating: 0, count: 9)))
      }
        == "crossEntropy: logits (8, 10) and targets (9): batch sizes differ")
    var targets = [Int](repeating: 1, count: 8)
    targets[2] = 12
    #expect(
      message { try Tensor.crossEntropy(logits: logits, targets: IndexTensor(targets)) }
        == "crossEntropy: target at row 2: index 12 is out of range 0..<10")
    targets[2] = -1
    #expect(
      message { try Tensor.crossEntropy(logits: logits, targets: IndexTensor(targets)) }
        == "crossEntropy: target at row 2: index -1 is out of range 0..<10")
    #expect(
      message {
        try Tensor.crossEntropy(logits: logits, targets: IndexTensor([1]), labelSmoothing: 2)
      }
      .hasPrefix("crossEntropy:"))
    #expect(
      message {
        try Tensor.crossEntropy(
          logits: logits, targets: IndexTensor(Array(repeating: 0, count: 8)), labelSmoothing: 1.5)
      }
        == "crossEntropy: labelSmoothing must lie in [0, 1], got 1.5")
    #expect(
      message { try Tensor.crossEntropy(logits: Tensor.zeros([10]), targets: IndexTensor([1])) }
        == "crossEntropy: logits must have shape (N, C), got (10)")
    #expect(
      message { try Tensor.crossEntropy(logits: logits, softTargets: Tensor.zeros([8, 9])) }
        == "crossEntropy: logits (8, 10) and softTargets (8, 9): both must have the same shape (N, C)"
    )
    #expect(
      message { try Tensor.klDivergence(logits: logits, targetProbabilities: Tensor.zeros([8])) }
        .hasPrefix("klDivergence: logits (8, 10) and targetProbabilities (8)"))
    #expect(
      message { try Tensor.meanSquaredError(logits, Tensor.zeros([10, 8])) }
        == "meanSquaredError: prediction (8, 10) and target (10, 8): shapes differ")
    #expect(
      message { try Tensor.smoothL1(logits, logits, beta: -1) }
        == "smoothL1: beta must be finite and >= 0, got -1.0")
  }

  @Test func resultsDoNotDependOnThreadCount() throws {
    let logits = randomTensor([512, 300], seed: 91, scale: 3)
    let soft = try noGrad { try randomTensor([512, 300], seed: 92).softmax() }
    let prediction = randomTensor([100_003], seed: 93)
    let target = randomTensor([100_003], seed: 94)
    var rng = RandomGenerator(seed: 95)
    let targets = IndexTensor((0..<512).map { $0 % 9 == 0 ? -100 : rng.nextInt(below: 300) })
    func run(_ threads: Int) throws -> [[UInt32]] {
      try ComputeSettings.withThreadCount(threads) {
        var results: [[UInt32]] = []
        let losses: [() throws -> Tensor] = [
          { try Tensor.crossEntropy(logits: logits, targets: targets, labelSmoothing: 0.1) },
          { try Tensor.crossEntropy(logits: logits, softTargets: soft) },
          { try Tensor.klDivergence(logits: logits, targetProbabilities: soft) },
          { try Tensor.meanSquaredError(prediction, target) },
          { try Tensor.smoothL1(prediction, target, beta: 0.5) },
          { try Tensor.binaryCrossEntropyWithLogits(logits: prediction, targets: target) },
        ]
        for loss in losses {
          for input in [logits, prediction] {
            input.zeroGrad()
            input.requiringGrad()
          }
          let value = try loss()
          try value.backward()
          results.append([try value.item().bitPattern])
          results.append((logits.grad ?? prediction.grad!).scalars.map(\.bitPattern))
        }
        return results
      }
    }
    #expect(try run(1) == run(2))
  }
}
