import Foundation
import Testing

@testable import VLP

@Suite struct PretrainingConfigurationTests {
  @Test func emptyObjectGivesTheDefaults() throws {
    #expect(try PretrainingConfiguration.decode([:]) == PretrainingConfiguration())
  }

  @Test func unknownKeysNameTheirDottedPath() throws {
    do {
      _ = try PretrainingConfiguration.decode(["training": ["batchsize": 8]])
      Issue.record("a misspelt key was accepted")
    } catch let DataError.unknownConfigurationKey(field, known) {
      #expect(field == "training.batchsize")
      #expect(known.contains("batchSize"))
    }
  }

  @Test func enumerationsListTheAllowedValues() throws {
    do {
      _ = try PretrainingConfiguration.decode(["model": ["family": "clip"]])
      Issue.record("an unknown family was accepted")
    } catch let DataError.invalidConfiguration(field, reason) {
      #expect(field == "model.family")
      #expect(reason.contains("albef, oscar"))
    }
  }

  @Test func queueSizeMustBeAMultipleOfTheBatchSize() throws {
    do {
      _ = try PretrainingConfiguration.decode(["objectives": ["queueSize": 100]])
      Issue.record("queue 100 with batch 32 was accepted")
    } catch let DataError.invalidConfiguration(field, reason) {
      #expect(field == "objectives.queueSize")
      #expect(reason.contains("try 96 or 128"))
    }
  }

  @Test func overridesPatchNestedKeysAndParseValues() throws {
    let overrides = try ["training.batchSize=16", "data.tags=coarse", "objectives.distillation=false"]
      .map(ConfigurationOverrides.parse)
    let object = try ConfigurationOverrides.apply(overrides, to: ["training": ["steps": 10]])
    let configuration = try PretrainingConfiguration.decode(object)
    #expect(configuration.training.batchSize == 16)
    #expect(configuration.training.steps == 10)
    #expect(configuration.data.tags == .coarse)
    #expect(configuration.objectives.distillation == false)
    #expect(throws: DataError.self) { try ConfigurationOverrides.parse("novalue") }
  }

  @Test func sessionVariantsApplyTheirOverridesAndReportTheirName() throws {
    let json = #"""
      {"description": "tags", "model": {"family": "oscar"},
       "variants": [{"name": "fine", "set": {"data.tags": "fine"}},
                    {"name": "none", "set": {"data.tags": "none"}}]}
      """#
    let session = try SessionDefinition(json: Data(json.utf8), source: "s.json")
    #expect(session.variants.map(\.name) == ["fine", "none"])
    #expect(session.variants.map(\.configuration.data.tags) == [.fine, .none])
    #expect(session.variants.allSatisfy { $0.configuration.model.family == .oscar })

    let bad = #"{"variants": [{"name": "x", "set": {"model.layerz": 3}}]}"#
    do {
      _ = try SessionDefinition(json: Data(bad.utf8), source: "s.json")
      Issue.record("a bad override was accepted")
    } catch let DataError.unknownConfigurationKey(field, _) {
      #expect(field == "s.json (variant x): model.layerz")
    }
  }
}
