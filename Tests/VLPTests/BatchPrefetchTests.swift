import Foundation
import Testing

@testable import Tensor
@testable import VLP

@Suite struct BatchPrefetchTests {
  static func assembler(_ family: ModelFamily) throws -> BatchAssembler {
    var configuration = PretrainerFixtures.configuration(family, pairs: 300, batch: 8)
    if family == .albef { configuration.objectives.cmcl = 1 }
    let data = try PretrainingData(configuration: configuration)
    let order = try BatchOrder(indices: data.trainIndices, batchSize: 8, seed: configuration.seed)
    return BatchAssembler(configuration: configuration, data: data, order: order)
  }

  /// What a batch holds that the step reads, as plain values.
  static func contents(_ batch: StepBatch) -> [[Float]] {
    var values: [[Float]] = [batch.pairIndices.map(Float.init)]
    switch batch.family {
    case .albef(let b, let rewrites):
      values += [b.text.ids.values.map(Float.init), b.masked.ids.map(Float.init),
                 b.masked.positions.map(Float.init), b.image.values.scalars]
      values.append(rewrites.map { "\($0)".utf8.map(Float.init) } ?? [])
    case .oscar(let b):
      values += [b.maskedIDs.values.map(Float.init), b.segments.values.map(Float.init),
                 b.regions.scalars, b.labels.map(Float.init)]
    }
    return values
  }

  @Test(arguments: [ModelFamily.albef, .oscar])
  func prefetchedBatchesAreThoseOfTheirStepWhateverTheOrderAsked(family: ModelFamily) throws {
    let assembler = try Self.assembler(family)
    let prefetcher = BatchPrefetcher(assembler: assembler, firstStep: 0)
    defer { prefetcher.stop() }
    // In order, then a jump forward (resume) and back (replay): each restarts the queue.
    for step in [0, 1, 2, 7, 8, 3, 4] {
      let (batch, waited) = try prefetcher.batch(at: step)
      #expect(batch.step == step && waited >= 0)
      #expect(Self.contents(batch) == Self.contents(try assembler.batch(at: step)), "step \(step)")
    }
  }

  @Test func trainingWithPrefetchIsBitIdentical() throws {
    let configuration = PretrainerFixtures.configuration(.albef, pairs: 300, batch: 8)
    let data = try PretrainingData(configuration: configuration)
    let inline = try Pretrainer(configuration: configuration, data: data)
    let prefetched = try Pretrainer(configuration: configuration, data: data)
    prefetched.prefetchesBatches = true
    for _ in 0..<4 {
      let a = try inline.trainStep()
      let b = try prefetched.trainStep()
      #expect(a.losses == b.losses && a.total.bitPattern == b.total.bitPattern)
      #expect(b.timing.computeSeconds > 0 && b.timing.assemblySeconds > 0)
    }
  }
}
