import Foundation
import Testing

@testable import VLP

/// The ready-made sessions under sessions/ are what `make run` and the docs' commands open: each
/// must decode strictly (a misspelt value there is a user-facing error on first launch).
@Suite struct CommittedSessionTests {
  static let sessionsFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("sessions")

  static func definition(_ name: String) throws -> SessionDefinition {
    try SessionDefinition(
      contentsOf: sessionsFolder.appendingPathComponent(name).appendingPathComponent("session.json"))
  }

  @Test func everyCommittedSessionDecodes() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.sessionsFolder.path)
      .filter { !$0.hasPrefix(".") }.sorted()
    #expect(names.contains("default") && names.contains("oscar-tags") && names.contains("mod-ablation"))
    for name in names {
      let definition = try Self.definition(name)
      #expect(!definition.variants.isEmpty, "\(name) has no variant")
    }
  }

  /// bench-small is the benchmark model: 1,497,323 trainable parameters.
  @Test func benchSmallSessionBuildsTheBenchmarkModel() throws {
    var configuration = try Self.definition("bench-small").variants[0].configuration
    configuration.data.world.pairCount = 200
    let trainer = try Pretrainer(configuration: configuration)
    #expect(trainer.model.parameterCount == 1_497_323)
  }

  /// The two experiments of docs/experiments.md differ only where their variants say.
  @Test func experimentSessionsVaryOneThing() throws {
    let tags = try Self.definition("oscar-tags").variants
    #expect(tags.map(\.name) == ["fine", "coarse", "none"])
    #expect(tags.map(\.configuration.data.tags) == [.fine, .coarse, .none])
    var coarse = tags[1].configuration
    coarse.data.tags = .fine
    #expect(coarse == tags[0].configuration)
    let distillation = try Self.definition("mod-ablation").variants
    #expect(distillation.map(\.configuration.objectives.distillation) == [true, false])
    #expect(distillation[0].configuration.data.world.noisyCaptionRate == 0.2)
  }
}
