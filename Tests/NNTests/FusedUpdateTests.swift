import Testing

@testable import NN
@testable import Tensor

/// Layers wide enough that the fused update loops (AdamW, gradient clipping, the momentum copy)
/// split their flat index across threads, with parameters of several sizes so that chunk
/// boundaries fall inside parameters.
private final class Wide: Module {
  let first: Linear
  let second: Linear
  let unused: Linear
  init(seed: UInt64) {
    var random = RandomGenerator(seed: seed)
    first = Linear(inputSize: 96, outputSize: 320, random: &random)
    second = Linear(inputSize: 320, outputSize: 77, random: &random)
    unused = Linear(inputSize: 5, outputSize: 3, random: &random)
  }
  var children: [(name: String, module: any Module)] {
    [("first", first), ("second", second), ("unused", unused)]
  }
}

@Suite struct FusedUpdateTests {
  /// Three steps of forward, backward, clipping, AdamW and the momentum update; the bits of
  /// every parameter, moment and momentum value.
  private func train() throws -> [[UInt32]] {
    let model = Wide(seed: 3)
    let copy = Wide(seed: 4)
    let momentum = try MomentumCopy(of: model, copy: copy, momentum: 0.9)
    let optimizer = AdamW(module: model, configuration: AdamW.Configuration(weightDecay: 0.1))
    var random = RandomGenerator(seed: 9)
    for _ in 0..<3 {
      let x = Tensor.randomNormal([64, 96], using: &random)
      let loss = try model.second(try model.first(x).gelu(.erf)).square().mean()
      try loss.backward()
      GradientClipping.clipGlobalNorm(model.parameters, maxNorm: 0.01)
      optimizer.step(learningRate: 0.01)
      momentum.update()
      optimizer.zeroGradients()
    }
    let moments = optimizer.stateTensors.sorted { $0.key < $1.key }.flatMap { $0.value.map(\.tensor) }
    return (model.parameters + copy.parameters + moments).map { $0.scalars.map(\.bitPattern) }
  }

  @Test func updatesGiveTheSameBitsOnAnyThreadCount() throws {
    let single = try ComputeSettings.withThreadCount(1) { try train() }
    for threads in [2, 3] {
      #expect(try ComputeSettings.withThreadCount(threads) { try train() } == single)
    }
  }

  /// The 8-lane AdamW loop against the scalar formula, bit for bit, on sizes that leave every
  /// possible tail (1, 7, 33, 129) and on one big enough to split across threads.
  @Test func adamWStepMatchesTheScalarFormulaBitForBit() throws {
    for (count, threads) in [(1, 1), (7, 1), (33, 1), (129, 1), (70_001, 2)] {
      var random = RandomGenerator(seed: UInt64(count))
      let parameter = Tensor.randomNormal([count], using: &random).requiringGrad()
      try (parameter * Tensor.randomNormal([count], using: &random)).sum().backward()
      let configuration = AdamW.Configuration(weightDecay: 0.1)
      let optimizer = AdamW(
        parameters: [("w", parameter)],
        configuration: { var c = configuration; c.decayRankOneParameters = true; return c }())
      var p = parameter.scalars, m = [Float](repeating: 0, count: count), v = m
      let g = parameter.grad!.scalars
      for step in 1...3 {
        let learningRate: Float = 0.01 * Float(step)
        ComputeSettings.withThreadCount(threads) { optimizer.step(learningRate: learningRate) }
        let c = configuration
        let correction1 = 1 - Float(Double(c.beta1).power(step))
        let correction2 = 1 - Float(Double(c.beta2).power(step))
        let decayFactor = 1 - learningRate * c.weightDecay
        for i in 0..<count {
          p[i] *= decayFactor
          m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i]
          v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i]
          p[i] -= learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + c.epsilon)
        }
        #expect(parameter.scalars.map(\.bitPattern) == p.map(\.bitPattern), "count \(count) step \(step)")
      }
    }
  }

  @Test func segmentsCoverEveryElementOnce() {
    let counts = [0, 5, 1, 0, 40_000, 3, 17_000]
    let total = counts.reduce(0, +)
    let starts = counts.indices.map { counts[..<$0].reduce(0, +) }
    let visits = UnsafeMutablePointer<Int>.allocate(capacity: total)
    defer { visits.deallocate() }
    for threads in [1, 2, 3] {
      visits.initialize(repeating: 0, count: total)
      ComputeSettings.withThreadCount(threads) {
        Parallel.forSegments(counts: counts, minimumPerThread: 1000) { segment, elements in
          for i in elements { visits[starts[segment] + i] += 1 }
        }
      }
      #expect(UnsafeBufferPointer(start: visits, count: total).allSatisfy { $0 == 1 })
    }
  }
}
