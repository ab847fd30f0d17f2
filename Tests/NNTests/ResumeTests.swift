import Foundation
import Testing
import TestSupport

@testable import NN
@testable import Tensor

/// Training N steps, checkpointing, rebuilding everything from the file alone and training M
/// more gives the same losses, bit for bit, as N + M steps without stopping: weights, AdamW's
/// moments and step count, and both random streams (data order, dropout) all travel.
@Suite struct ResumeTests {
  @Test func resumedTrainingContinuesBitIdentically() throws {
    let (n, m) = (6, 5)
    // Dropout on, so the dropout stream's position matters too.
    let straight = try DigitReversalTraining(seed: 21, totalSteps: n + m, dropout: 0.1)
    let reference = try (0..<(n + m)).map { _ in try straight.step() }

    let first = try DigitReversalTraining(seed: 21, totalSteps: n + m, dropout: 0.1)
    for _ in 0..<n { _ = try first.step() }
    let scratch = try TemporaryDirectory("resume")
    defer { scratch.remove() }
    let folder = scratch.url
    let file = folder.appendingPathComponent("step-\(n).safetensors")
    try TrainingCheckpoint.capture(
      step: n, config: #"{"task": "digit reversal"}"#, model: first.model,
      optimizerState: first.optimizer.stateTensors,
      extra: [
        AdamW.stepCountKey: String(first.optimizer.stepCount),
        "random.data": first.data.serialized,
        "random.dropout": first.context.random.serialized,
      ]
    ).write(to: file)

    // A fresh run, initialised differently, then overwritten from the file alone.
    let resumed = try DigitReversalTraining(seed: 999, totalSteps: n + m, dropout: 0.1)
    let checkpoint = try TrainingCheckpoint.read(from: file)
    try checkpoint.restore(into: resumed.model, optimizerState: resumed.optimizer.stateTensors)
    try resumed.optimizer.restoreStepCount(Int(checkpoint.extra[AdamW.stepCountKey]!)!)
    resumed.data = try #require(RandomGenerator(serialized: checkpoint.extra["random.data"]!))
    resumed.context.random = try #require(RandomGenerator(serialized: checkpoint.extra["random.dropout"]!))
    #expect(checkpoint.step == n)

    let continued = try (0..<m).map { _ in try resumed.step() }
    #expect(continued.map(\.bitPattern) == reference[n...].map(\.bitPattern))
  }

  @Test func generatorStateRoundTrips() throws {
    var random = RandomGenerator(seed: 4)
    _ = random.nextNormal()  // leaves a spare normal in the state
    let restored = try #require(RandomGenerator(serialized: random.serialized))
    var copy = restored
    #expect((0..<5).map { _ in random.nextNormal() } == (0..<5).map { _ in copy.nextNormal() })
    #expect(RandomGenerator(serialized: "xoshiro256**:0,0,0,0") == nil)
    #expect(RandomGenerator(serialized: "mt19937:1,2,3,4") == nil)
  }
}
