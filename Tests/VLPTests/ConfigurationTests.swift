import Foundation
import Testing

@testable import VLP

@Suite struct ConfigurationTests {
  func decode(_ json: String) throws -> SceneWorldConfiguration {
    try JSONDecoder().decode(SceneWorldConfiguration.self, from: Data(json.utf8))
  }

  @Test func missingKeysKeepTheirDefaults() throws {
    let configuration = try decode(#"{"seed": 7, "pairCount": 100, "missRate": 0.2}"#)
    var expected = SceneWorldConfiguration()
    expected.seed = 7
    expected.pairCount = 100
    expected.missRate = 0.2
    #expect(configuration == expected)
    #expect(try decode("{}") == .standard)
  }

  @Test func encodingRoundTrips() throws {
    var configuration = SceneWorldConfiguration()
    configuration.featureDimension = 32
    configuration.noisyCaptionRate = 0.35
    let data = try JSONEncoder().encode(configuration)
    #expect(try JSONDecoder().decode(SceneWorldConfiguration.self, from: data) == configuration)
  }

  @Test func unknownKeysAreErrorsNamingTheKeyAndItsPath() throws {
    #expect(
      throws: DataError.unknownConfigurationKey(
        field: "missrate", known: SceneWorldConfiguration.CodingKeys.allCases.map(\.rawValue))
    ) {
      try decode(#"{"missrate": 0.2}"#)
    }
    struct Session: Decodable { var world: SceneWorldConfiguration }
    do {
      _ = try JSONDecoder().decode(Session.self, from: Data(#"{"world": {"seeds": 3}}"#.utf8))
      Issue.record("an unknown nested key was accepted")
    } catch let error as DataError {
      #expect("\(error)".contains("'world.seeds'"))
    }
  }

  @Test func wrongTypesAndRangesNameTheField() throws {
    #expect(
      throws: DataError.invalidConfiguration(field: "pairCount", reason: "expected a whole number")
    ) {
      try decode(#"{"pairCount": "many"}"#)
    }
    #expect(
      throws: DataError.invalidConfiguration(
        field: "missRate", reason: "must be in [0.0, 1.0], got 1.5")
    ) {
      try decode(#"{"missRate": 1.5}"#)
    }
    #expect(throws: DataError.self) { try decode(#"{"minimumObjects": 3, "maximumObjects": 2}"#) }
    #expect(throws: DataError.self) {
      try decode(#"{"validationFraction": 0.5, "testFraction": 0.5}"#)
    }
    var configuration = SceneWorldConfiguration()
    configuration.imageSize = 4
    #expect(
      throws: DataError.invalidConfiguration(
        field: "imageSize", reason: "must be in 8...512, got 4")
    ) {
      try SceneWorld(configuration: configuration)
    }
  }

  @Test func tagVocabularyNamesAreChecked() throws {
    #expect(try TagVocabulary.named("coarse", field: "--tags") == .coarse)
    #expect(throws: DataError.self) { try TagVocabulary.named("vg", field: "--tags") }
  }
}
