import Foundation
import Tensor
import Testing
import TestSupport

@testable import VLP

/// Tests/Fixtures/objectives_reference.json, written by Tests/Fixtures/objectives_reference.py
/// (numpy, float64, from the formulas of docs/objectives.md).
private struct ObjectiveFixture: Decodable {
  struct Contrastive: Decodable {
    let name: String
    let batch: Int, dimension: Int, queue: Int
    let alpha: Float, temperature: Float
    let image: [Float], text: [Float], momentumImage: [Float], momentumText: [Float]
    let imageQueue: [Float], textQueue: [Float]
    let loss: Double, imageToTextLoss: Double, textToImageLoss: Double
    let gradImage: [Double], gradText: [Double], gradTemperature: Double
  }
  struct MaskedLM: Decodable {
    let name: String
    let rows: Int, vocabulary: Int
    let alpha: Float
    let logits: [Float], targets: [Int], momentumLogits: [Float]?
    let loss: Double, gradLogits: [Double]
  }
  struct Weights: Decodable {
    let batch: Int, similarity: [Float], excluded: [[Int]], weights: [Double]
  }
  struct Matching: Decodable {
    let logits: [Float], labels: [Int], loss: Double, gradLogits: [Double]
  }
  let itc: [Contrastive]
  let mlm: [MaskedLM]
  let itmWeights: Weights
  let itmLoss: Matching

  static func load() throws -> ObjectiveFixture { try loadFixture("objectives_reference.json") }
}

/// Decodes a JSON file of Tests/Fixtures.
func loadFixture<T: Decodable>(_ name: String) throws -> T {
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/" + name)
  return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

@Suite struct ObjectiveReferenceTests {
  @Test func contrastiveMatchesReference() throws {
    for c in try ObjectiveFixture.load().itc {
      let shape = Shape([c.batch, c.dimension])
      let image = try Tensor(shape: shape, values: c.image).requiringGrad()
      let text = try Tensor(shape: shape, values: c.text).requiringGrad()
      let temperature = Tensor(scalar: c.temperature).requiringGrad()
      let queueShape = Shape([c.queue, c.dimension])
      // Marked as parameters to show that the keys receive no gradient (ALBEF's no_grad).
      let keys = [
        try Tensor(shape: shape, values: c.momentumImage).requiringGrad(),
        try Tensor(shape: shape, values: c.momentumText).requiringGrad(),
        try Tensor(shape: queueShape, values: c.imageQueue).requiringGrad(),
        try Tensor(shape: queueShape, values: c.textQueue).requiringGrad(),
      ]
      let output = try ImageTextContrastive.loss(
        image: image, text: text, momentumImage: keys[0], momentumText: keys[1],
        imageQueue: keys[2], textQueue: keys[3], temperature: temperature, alpha: c.alpha)
      try output.loss.backward()
      #expect(keys.allSatisfy { $0.grad == nil }, "\(c.name): keys took a gradient")
      expectClose(try output.loss.item(), c.loss, relative: 1e-5, "\(c.name) loss")
      expectClose(output.imageToTextLoss, c.imageToTextLoss, relative: 1e-5, "\(c.name) i2t")
      expectClose(output.textToImageLoss, c.textToImageLoss, relative: 1e-5, "\(c.name) t2i")
      expectClose(
        image.grad!.scalars, c.gradImage, relative: 1e-4, ofLargest: 1e-7, "\(c.name) d/dimage")
      expectClose(
        text.grad!.scalars, c.gradText, relative: 1e-4, ofLargest: 1e-7, "\(c.name) d/dtext")
      expectClose(
        temperature.grad!.scalars, [c.gradTemperature],
        relative: 1e-4, ofLargest: 1e-7, "\(c.name) d/dtemp")
      let columns = [c.batch, c.batch + c.queue]
      for logits in [output.imageToText, output.momentumTextToImage] {
        #expect(logits.dimensions == columns && !logits.requiresGrad)
      }
    }
  }

  @Test func maskedLanguageModelingMatchesReference() throws {
    for c in try ObjectiveFixture.load().mlm {
      let shape = Shape([c.rows, c.vocabulary])
      let logits = try Tensor(shape: shape, values: c.logits).requiringGrad()
      let momentum = try c.momentumLogits.map { try Tensor(shape: shape, values: $0) }
      let loss = try MaskedLanguageModeling.loss(
        logits: logits, targets: c.targets, momentumLogits: momentum, alpha: c.alpha)
      try loss.backward()
      expectClose(try loss.item(), c.loss, relative: 1e-5, "\(c.name) loss")
      #expect(logits.grad?.scalars.allSatisfy { $0.isFinite } ?? false, "\(c.name): a gradient")
      expectClose(
        logits.grad!.scalars, c.gradLogits, relative: 1e-4, ofLargest: 1e-7, "\(c.name) d/dlogits")
    }
  }

  @Test func hardNegativeWeightsMatchReference() throws {
    let c = try ObjectiveFixture.load().itmWeights
    let extra = Set(c.excluded.map { $0[0] * c.batch + $0[1] })
    let weights = ImageTextMatching.negativeWeights(
      similarity: c.similarity, batchSize: c.batch, excluded: { extra.contains($0 * c.batch + $1) })
    let flat = weights.flatMap { $0 }
    #expect(flat.count == c.weights.count)
    for (a, e) in zip(flat, c.weights) { #expect(Swift.abs(a - e) <= 1e-10) }
    for i in 0..<c.batch { #expect(weights[i][i] == 0) }
    for pair in c.excluded { #expect(weights[pair[0]][pair[1]] == 0) }
  }

  @Test func matchingLossMatchesReference() throws {
    let c = try ObjectiveFixture.load().itmLoss
    let logits = try Tensor(shape: Shape([c.labels.count, 2]), values: c.logits).requiringGrad()
    let loss = try ImageTextMatching.loss(logits: logits, labels: c.labels)
    try loss.backward()
    expectClose(try loss.item(), c.loss, relative: 1e-5, "ITM loss")
    expectClose(
      logits.grad!.scalars, c.gradLogits, relative: 1e-4, ofLargest: 1e-7, "ITM d/dlogits")
  }

  /// The levels an untrained model starts from (docs/objectives.md): uninformative logits give
  /// MLM ln V, ITC ln(B + Q), ITM ln 2.
  @Test func initialLevels() throws {
    let mlm = try MaskedLanguageModeling.loss(
      logits: Tensor.zeros([3, 50]), targets: [1, 7, 49], momentumLogits: Tensor.zeros([3, 50]),
      alpha: 0.4)
    #expect(Swift.abs(try mlm.item() - Float(Foundation.log(50.0))) < 1e-5)
    let itm = try ImageTextMatching.loss(logits: Tensor.zeros([6, 2]), labels: [1, 1, 0, 0, 0, 0])
    #expect(Swift.abs(try itm.item() - Float(Foundation.log(2.0))) < 1e-6)
    let (b, q, e) = (4, 8, 16)
    let features = Tensor.zeros([b, e])  // all logits 0: the uniform distribution over B + Q
    let itc = try ImageTextContrastive.loss(
      image: features, text: features, momentumImage: features, momentumText: features,
      imageQueue: Tensor.zeros([q, e]), textQueue: Tensor.zeros([q, e]),
      temperature: Tensor(scalar: 0.07), alpha: 0.4)
    #expect(Swift.abs(try itc.loss.item() - Float(Foundation.log(Double(b + q)))) < 1e-5)
  }

  @Test func emptyMaskGivesZeroWithZeroGradient() throws {
    let logits = Tensor.zeros([0, 11]).requiringGrad()
    let loss = try MaskedLanguageModeling.loss(
      logits: logits, targets: [], momentumLogits: Tensor.zeros([0, 11]), alpha: 0.4)
    #expect(try loss.item() == 0)
    try loss.backward()
    #expect(logits.grad != nil && logits.grad!.count == 0)
    let pairs = Tensor.zeros([0, 2]).requiringGrad()
    let none = try ImageTextMatching.loss(logits: pairs, labels: [])
    #expect(try none.item() == 0)
    try none.backward()
  }

  @Test func shapeErrorsNameTheObjectiveAndShapes() throws {
    let a = Tensor.zeros([4, 8])
    do {
      _ = try ImageTextContrastive.loss(
        image: a, text: Tensor.zeros([4, 6]), momentumImage: a, momentumText: a,
        imageQueue: Tensor.zeros([0, 8]), textQueue: Tensor.zeros([0, 8]),
        temperature: Tensor(scalar: 0.07), alpha: 0.4)
      Issue.record("expected a shape error")
    } catch let error as ObjectiveError {
      #expect(error.description.contains("ITC") && error.description.contains("(4, 6)"))
    }
    #expect(throws: ObjectiveError.self) {
      try MaskedLanguageModeling.loss(logits: a, targets: [1, 2], momentumLogits: nil, alpha: 0)
    }
    #expect(throws: ObjectiveError.self) {
      try MaskedLanguageModeling.loss(
        logits: a, targets: [1, 2, 3, 8], momentumLogits: nil, alpha: 0)
    }
    #expect(throws: ObjectiveError.self) {
      try ImageTextMatching.loss(logits: Tensor.zeros([2, 2]), labels: [1, 2])
    }
  }

  @Test func temperatureClampAndAlphaRamp() {
    let t = Tensor(scalar: 0.9)
    ImageTextContrastive.clampTemperature(t)
    #expect(t.scalars == [0.5])
    let u = Tensor(scalar: 0)
    ImageTextContrastive.clampTemperature(u)
    #expect(u.scalars == [0.001])
    let ramp = { (step: Int) in DistillationSchedule.alpha(step: step, rampSteps: 100, maximum: 0.4)
    }
    #expect(ramp(0) == 0 && ramp(-3) == 0)
    #expect(Swift.abs(ramp(25) - 0.1) < 1e-7 && Swift.abs(ramp(50) - 0.2) < 1e-7)
    #expect(ramp(100) == 0.4 && ramp(5000) == 0.4)
    #expect(DistillationSchedule.alpha(step: 0, rampSteps: 0, maximum: 0.4) == 0.4)
  }
}
