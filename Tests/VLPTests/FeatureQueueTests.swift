import Tensor
import Testing

@testable import VLP

@Suite struct FeatureQueueTests {
  @Test func capacityMustBeAMultipleOfTheBatch() throws {
    var random = RandomGenerator(seed: 1)
    do {
      _ = try FeatureQueue(capacity: 1000, dimension: 8, batchSize: 32, random: &random)
      Issue.record("expected an error")
    } catch let error as ObjectiveError {
      guard case .invalidConfiguration(let field, let reason) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(field == "queueSize")
      #expect(reason.contains("(32)") && reason.contains("992") && reason.contains("1024"))
      #expect(error.description.contains("queueSize"))
    }
    #expect(throws: ObjectiveError.self) {
      try FeatureQueue(capacity: 64, dimension: 8, batchSize: 0, random: &random)
    }
    let none = try FeatureQueue(capacity: 0, dimension: 8, batchSize: 32, random: &random)
    #expect(none.features.dimensions == [0, 8])
    try none.enqueue(Tensor.zeros([32, 8]), pairIndices: Array(0..<32))
    #expect(none.realCount == 0 && none.pointer == 0)
  }

  @Test func startsWithUnitRandomRows() throws {
    var random = RandomGenerator(seed: 2)
    let queue = try FeatureQueue(capacity: 12, dimension: 5, batchSize: 4, random: &random)
    let values = queue.features.scalars
    for row in 0..<12 {
      let norm = (0..<5).map { values[row * 5 + $0] * values[row * 5 + $0] }.reduce(0, +)
      #expect(Swift.abs(norm - 1) < 1e-5)
    }
    #expect(queue.pairIndices == [Int](repeating: -1, count: 12))
    #expect(queue.realCount == 0 && queue.pointer == 0 && !queue.features.requiresGrad)
    var again = RandomGenerator(seed: 2)
    let twin = try FeatureQueue(capacity: 12, dimension: 5, batchSize: 4, random: &again)
    #expect(twin.state() == queue.state())
  }

  @Test func enqueueWrapsAroundAndRecordsPairs() throws {
    var random = RandomGenerator(seed: 3)
    let queue = try FeatureQueue(capacity: 6, dimension: 2, batchSize: 2, random: &random)
    func batch(_ k: Int) throws -> Tensor {
      try Tensor(shape: [2, 2], values: [Float(10 * k), Float(10 * k + 1), Float(10 * k + 2), 7])
    }
    for k in 0..<4 {
      try queue.enqueue(try batch(k), pairIndices: [100 + 2 * k, 101 + 2 * k])
    }
    // Batches 0, 1, 2 filled slots 0-5; batch 3 overwrote slots 0-1.
    #expect(queue.pointer == 2)
    #expect(queue.realCount == 6)
    #expect(queue.pairIndices == [106, 107, 102, 103, 104, 105])
    #expect(Array(queue.features.scalars[0..<4]) == [30, 31, 32, 7])
    #expect(Array(queue.features.scalars[4..<8]) == [10, 11, 12, 7])
    #expect(throws: ObjectiveError.self) {
      try queue.enqueue(Tensor.zeros([3, 2]), pairIndices: [1, 2, 3])
    }
    #expect(throws: ObjectiveError.self) {
      try queue.enqueue(Tensor.zeros([2, 2]), pairIndices: [1])
    }
  }

  @Test func readFeaturesKeepTheirValuesAcrossAnEnqueue() throws {
    var random = RandomGenerator(seed: 4)
    let queue = try FeatureQueue(capacity: 4, dimension: 3, batchSize: 2, random: &random)
    let before = queue.features
    let values = before.scalars
    try queue.enqueue(Tensor.ones([2, 3]), pairIndices: [0, 1])
    #expect(before.scalars == values)
    #expect(Array(queue.features.scalars[0..<6]) == [Float](repeating: 1, count: 6))
  }

  @Test func stateRoundTripIsExact() throws {
    var random = RandomGenerator(seed: 5)
    let queue = try FeatureQueue(capacity: 8, dimension: 3, batchSize: 4, random: &random)
    try queue.enqueue(Tensor.randomNormal([4, 3], using: &random), pairIndices: [9, 8, 7, 6])
    let saved = queue.state()
    var other = RandomGenerator(seed: 99)
    let restored = try FeatureQueue(capacity: 8, dimension: 3, batchSize: 4, random: &other)
    try restored.restore(saved)
    #expect(restored.state() == saved)
    #expect(restored.features.scalars.map(\.bitPattern) == queue.features.scalars.map(\.bitPattern))
    #expect(restored.pointer == 4 && restored.realCount == 4)
    let smaller = try FeatureQueue(capacity: 4, dimension: 3, batchSize: 4, random: &other)
    #expect(throws: ObjectiveError.self) { try smaller.restore(saved) }
  }
}
