import Foundation
import TestSupport
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

  static let repository = sessionsFolder.deletingLastPathComponent()

  static func document(_ relative: String) throws -> String {
    try String(contentsOf: repository.appendingPathComponent(relative), encoding: .utf8)
  }

  /// The README and docs/sessions.md name every ready-made session.
  @Test func theDocsListEveryCommittedSession() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.sessionsFolder.path)
      .filter { !$0.hasPrefix(".") }
    let readme = try Self.document("README.md")
    let sessions = try Self.document("docs/sessions.md")
    for name in names {
      #expect(readme.contains("`\(name)`"), "README.md does not name the session \(name)")
      #expect(sessions.contains("| `\(name)` |"), "docs/sessions.md's table lacks \(name)")
    }
  }

  /// The example of docs/sessions.md decodes, and its variants differ in something the model
  /// reads: tags, on Oscar (ALBEF reads no tags).
  @Test func theExampleSessionOfTheDocsDecodes() throws {
    let text = try Self.document("docs/sessions.md")
    let section = try #require(text.range(of: "## session.json\n\n```json\n"))
    let end = try #require(text.range(of: "\n```", range: section.upperBound..<text.endIndex))
    let directory = try TemporaryDirectory("docs-example")
    defer { directory.remove() }
    let example = String(text[section.upperBound..<end.lowerBound])
    let file = try directory.write("session.json", example)
    let variants = try SessionDefinition(contentsOf: file).variants
    #expect(variants.map(\.name) == ["fine", "none"])
    #expect(variants.allSatisfy { $0.configuration.model.family == .oscar })
    #expect(variants.map(\.configuration.data.tags) == [.fine, .none])
  }
}
