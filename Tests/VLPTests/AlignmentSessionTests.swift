import Testing

@testable import VLP

/// The `alignment` session compares no fine-grained alignment, WRA, CMCL and both on ALBEF, and
/// nothing else; each variant trains (here one step on a small world).
@Suite struct AlignmentSessionTests {
  @Test func variantsDifferOnlyInWRAAndCMCL() throws {
    let variants = try CommittedSessionTests.definition("alignment").variants
    #expect(variants.map(\.name) == ["none", "wra", "cmcl", "both"])
    let o = variants.map(\.configuration.objectives)
    #expect(o.map(\.wra) == [0, 0.1, 0, 0.1] && o.map(\.cmcl) == [0, 0, 1, 1])
    #expect(o.allSatisfy { $0.itc == 1 && $0.mlm == 1 && $0.itm == 1 && !$0.masksVision })
    for variant in variants {
      var configuration = variant.configuration
      (configuration.objectives.wra, configuration.objectives.cmcl) = (0, 0)
      #expect(configuration == variants[0].configuration, "\(variant.name)")
      #expect(configuration.model.family == .albef && configuration.model.imageInput == .regions)
    }
  }

  @Test func bothObjectivesTrainInTheSessionsModel() throws {
    var configuration = try CommittedSessionTests.definition("alignment").variants[3].configuration
    configuration.data.world.pairCount = 200
    configuration.training.batchSize = 8
    configuration.objectives.queueSize = 64
    let trainer = try Pretrainer(configuration: configuration)
    let report = try trainer.trainStep()
    for name in ["itc", "mlm", "itm", "wra", "cmcl"] {
      let loss = try #require(report.loss(name), "\(name) is not trained")
      #expect(loss.isFinite, "\(name)")
    }
  }
}
