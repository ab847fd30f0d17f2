import Foundation
import TestSupport
import Testing

@testable import VLP

/// Mistakes in session.json that Foundation reports without a key, or that failed only once
/// training began, found by the hostile-user matrix (Tests/Fixtures/hostile): each is now named
/// by its key (or line:column) at load (issue 22).
@Suite struct ConfigurationBlameTests {
  static let error = SessionConfigurationErrorTests.error

  @Test func aFractionWhereAWholeNumberGoesIsNamedByItsKey() {
    let inFile = Self.error(#"{"checkpoints": {"every": 0.5}}"#, []) ?? "accepted"
    #expect(inFile.hasPrefix("configuration field 's.json: checkpoints.every': cannot be read as this key's value (got 0.5"), "\(inFile)")
    let inVariant = Self.error(#"{"training": {"steps": 2.5}}"#, []) ?? "accepted"
    #expect(inVariant.hasPrefix("configuration field 's.json (variant main): training.steps': cannot be read"), "\(inVariant)")
    let bySet = Self.error(#"{"training": {"steps": 10}}"#, ["checkpoints.every=0.5"]) ?? "accepted"
    #expect(bySet.hasPrefix("configuration field '--set checkpoints.every': cannot be read"), "\(bySet)")
    let bySet2 = Self.error("{}", ["model.dimension=64.5"]) ?? "accepted"
    #expect(bySet2.hasPrefix("configuration field '--set model.dimension'"), "\(bySet2)")
  }

  @Test func aHugeIntegerIsNamedByItsKeyAndTheLargestSeedStillLoads() {
    #expect(Self.error(#"{"seed": 18446744073709551615}"#, []) == nil)
    let set = Self.error("{}", ["training.steps=99999999999999999999"]) ?? "accepted"
    #expect(set.hasPrefix("configuration field '--set training.steps': 99999999999999999999 is past every range"), "\(set)")
  }

  @Test func aNumberPastDoubleIsLocatedByLineAndColumn() {
    let error = Self.error("{\n  \"training\": {\"learningRate\": 1e999}\n}\n", []) ?? "accepted"
    #expect(error.hasPrefix("configuration field 's.json:2': invalid JSON at column 32"), "\(error)")
  }

  @Test func noObjectiveToTrainIsRefusedAtLoad() {
    let error = Self.error(#"{"objectives": {"itc": 0, "mlm": 0, "itm": 0}}"#, []) ?? "accepted"
    #expect(error.hasPrefix("configuration field 's.json (variant main): objectives': every objective"), "\(error)")
    #expect(error.contains("nothing to train"), "\(error)")
  }

  @Test func aDamagedWorldFileIsNamedWithoutFoundationsWords() {
    for text in ["{\"seed\": 1,,}", "[1]", "{\"pairCount\": 0.5}"] {
      #expect {
        _ = try SceneWorldConfiguration.decode(Data(text.utf8), file: "world.json")
      } throws: { error in
        let words = "\(error)"
        return words.contains("world.json") && !words.contains("DecodingError")
          && !words.contains("Domain")
      }
    }
  }
}
