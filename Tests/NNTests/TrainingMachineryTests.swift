import Foundation
import Testing
import TestSupport

@testable import NN
@testable import Tensor

/// A two-level module for naming tests.
private final class Block: Module {
  let dense: Linear
  let norm: LayerNorm
  init(random: inout RandomGenerator) {
    dense = Linear(inputSize: 3, outputSize: 2, random: &random)
    norm = LayerNorm(dimension: 2)
  }
  var children: [(name: String, module: any Module)] { [("dense", dense), ("norm", norm)] }
}

private final class Stack: Module {
  let embedding: Embedding
  let blocks: [Block]
  init(seed: UInt64) {
    var random = RandomGenerator(seed: seed)
    embedding = Embedding(count: 5, dimension: 3, random: &random)
    blocks = [Block(random: &random), Block(random: &random)]
  }
  var children: [(name: String, module: any Module)] {
    [("embedding", embedding)] + blocks.enumerated().map { ("layers.\($0.offset)", $0.element) }
  }
}

private struct AdamWReference: Decodable {
  struct Pair: Decodable { let weight: [Float]; let bias: [Float] }
  let initial: Pair
  let gradients: [Pair]
  let steps: [Pair]
}

@Suite struct TrainingMachineryTests {
  @Test func parameterNamesAreHierarchicalAndStable() {
    let names = Stack(seed: 1).namedParameters().map(\.name)
    #expect(names == [
      "embedding.weight",
      "layers.0.dense.weight", "layers.0.dense.bias", "layers.0.norm.weight", "layers.0.norm.bias",
      "layers.1.dense.weight", "layers.1.dense.bias", "layers.1.norm.weight", "layers.1.norm.bias",
    ])
    #expect(Stack(seed: 1).parameterCount == 15 + 2 * (6 + 2 + 2 + 2))
  }

  @Test func bertInitialisation() {
    var random = RandomGenerator(seed: 3)
    let layer = Linear(inputSize: 256, outputSize: 256, random: &random)
    let values = layer.weight.scalars
    let mean = values.reduce(0, +) / Float(values.count)
    let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
    #expect(Swift.abs(mean) < 1e-3)
    #expect(Swift.abs(std - 0.02) < 1e-3)
    #expect(layer.bias!.scalars.allSatisfy { $0 == 0 })
    let norm = LayerNorm(dimension: 4)
    #expect(norm.weight.scalars == [1, 1, 1, 1] && norm.bias.scalars == [0, 0, 0, 0])
    // Same seed, same parameters.
    var again = RandomGenerator(seed: 3)
    #expect(Linear(inputSize: 256, outputSize: 256, random: &again).weight.scalars == values)
  }

  @Test func linearAcceptsVectorsAndBatches() throws {
    var random = RandomGenerator(seed: 8)
    let layer = Linear(inputSize: 3, outputSize: 2, random: &random)
    let batch = Tensor.randomNormal([2, 4, 3], using: &random)  // (B, T, in)
    let whole = try layer(batch).scalars  // (2, 4, 2)
    for row in 0..<8 {
      let vector = Tensor(Array(batch.scalars[(row * 3)..<(row * 3 + 3)]))
      let single = try layer(vector)
      #expect(single.shape == [2])
      expectClose(
        single.scalars, Array(whole[(row * 2)..<(row * 2 + 2)]), absolute: 1e-6, relative: 1e-6)
    }
    #expect(throws: TensorError.self) { try layer(Tensor.zeros([2, 4])) }
  }

  @Test func adamWMatchesReference() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../Fixtures/adamw_reference.json")
    let reference = try JSONDecoder().decode(AdamWReference.self, from: Data(contentsOf: url))
    let weight = try Tensor(shape: [2, 3], values: reference.initial.weight).requiringGrad()
    let bias = try Tensor(shape: [3], values: reference.initial.bias).requiringGrad()
    let optimizer = AdamW(
      parameters: [("weight", weight), ("bias", bias)], configuration: .init(weightDecay: 0.1))
    #expect(optimizer.decays("weight") && !optimizer.decays("bias"))
    for (gradients, expected) in zip(reference.gradients, reference.steps) {
      optimizer.zeroGradients()
      weight.gradientAccumulator().update(from: gradients.weight, count: 6)
      bias.gradientAccumulator().update(from: gradients.bias, count: 3)
      optimizer.step(learningRate: 0.01)
      expectClose(weight.scalars, expected.weight, absolute: 2e-6, relative: 2e-6)
      expectClose(bias.scalars, expected.bias, absolute: 2e-6, relative: 2e-6)
    }
  }

  @Test func clippingScalesToMaxNorm() throws {
    let a = Tensor.zeros([2]).requiringGrad()
    let b = Tensor.zeros([1]).requiringGrad()
    a.gradientAccumulator().update(from: [3, 0], count: 2)
    b.gradientAccumulator().update(from: [4], count: 1)
    let norm = GradientClipping.clipGlobalNorm([a, b], maxNorm: 1)
    #expect(norm == 5)
    expectClose(a.grad!.scalars + b.grad!.scalars, [0.6, 0, 0.8], absolute: 1e-6, relative: 1e-6)
    // Below the bound nothing changes.
    #expect(GradientClipping.clipGlobalNorm([a, b], maxNorm: 10) < 1.0001)
    expectClose(a.grad!.scalars, [0.6, 0], absolute: 1e-6, relative: 1e-6)
  }

  @Test func warmupCosineSchedule() {
    let schedule = LearningRateSchedule.warmupCosine(
      peak: 1e-4, warmupSteps: 10, totalSteps: 110, floor: 1e-5, warmupStart: 1e-6)
    #expect(schedule.learningRate(at: 0) == 1e-6)
    #expect(Swift.abs(schedule.learningRate(at: 5) - (1e-6 + 0.5 * (1e-4 - 1e-6))) < 1e-10)
    #expect(Swift.abs(schedule.learningRate(at: 10) - 1e-4) < 1e-10)
    #expect(Swift.abs(schedule.learningRate(at: 60) - 5.5e-5) < 1e-10)  // half-way: mean of peak and floor
    #expect(Swift.abs(schedule.learningRate(at: 110) - 1e-5) < 1e-10)
    #expect(Swift.abs(schedule.learningRate(at: 500) - 1e-5) < 1e-10)
    #expect(LearningRateSchedule.constant(3e-4).learningRate(at: 1234) == 3e-4)
  }

  @Test func momentumCopyFollowsExponentialAverage() throws {
    let model = Stack(seed: 1)
    let copy = Stack(seed: 2)
    let momentum = try MomentumCopy(of: model, copy: copy, momentum: 0.9)
    #expect(copy.namedParameters().allSatisfy { !$0.tensor.requiresGrad })
    #expect(copy.embedding.weight.scalars == model.embedding.weight.scalars)
    let before = copy.embedding.weight.scalars
    // Move the model, then update: p_m = 0.9 p_m + 0.1 p.
    for i in 0..<model.embedding.weight.count { model.embedding.weight.storage.pointer[i] += 1 }
    momentum.update()
    expectClose(
      copy.embedding.weight.scalars, before.map { $0 + 0.1 }, absolute: 1e-6, relative: 1e-6)
    // Mismatched structures are refused.
    var random = RandomGenerator(seed: 0)
    #expect(throws: TensorError.self) { try MomentumCopy(of: model, copy: Block(random: &random)) }
  }
}
