import Foundation
import Testing

@testable import VLP

/// session.json and `--set` errors say what is wrong and where: line:column for a malformed
/// file, the `--set` and its key for a bad override; every key of the file can be set with
/// `--set`, and every numeric key has a range checked at load (docs/sessions.md).
@Suite struct SessionConfigurationErrorTests {
  /// Every key session.json accepts, with its default, as one object.
  static func fullSession() throws -> [String: Any] {
    let data = try JSONEncoder().encode(PretrainingConfiguration())
    var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    object["description"] = "all keys"
    object["checkpoints"] = ["every": 500, "keep": 3]
    // ALBEF (the default family) refuses a written weight for Oscar's polluted-tag objective.
    var objectives = object["objectives"] as! [String: Any]
    objectives["pollutedTags"] = 0
    object["objectives"] = objectives
    return object
  }

  /// Dotted keys of every leaf value, as `--set` spells them.
  static func leaves(_ object: [String: Any], prefix: String = "") -> [(key: String, value: Any)] {
    object.sorted { $0.key < $1.key }.flatMap { key, value -> [(key: String, value: Any)] in
      if let child = value as? [String: Any] { return leaves(child, prefix: prefix + key + ".") }
      return [(prefix + key, value)]
    }
  }

  static func text(_ value: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
  }

  static func error(_ json: String, overrides: [String] = []) -> String? {
    do {
      _ = try SessionDefinition(json: Data(json.utf8), source: "s.json", overrides: overrides)
      return nil
    } catch { return "\(error)" }
  }

  @Test func everyKeyOfAFullSessionCanBeSetWithSet() throws {
    let full = try Self.fullSession()
    let json = try Self.text(full)
    let keys = Self.leaves(full)
    #expect(keys.count > 60, "\(keys.count) keys")
    #expect(keys.contains { $0.key == "checkpoints.every" })
    for (key, value) in keys {
      let error = Self.error(json, overrides: ["\(key)=\(try Self.text(value))"])
      #expect(error == nil, "--set \(key): \(error ?? "")")
    }
    let set = try SessionDefinition(
      json: Data(json.utf8), source: "s.json",
      overrides: ["checkpoints.every=40", "checkpoints.keep=2", "description=from the command line"])
    #expect(set.checkpoints.every == 40 && set.checkpoints.keep == 2)
    #expect(set.description == "from the command line")
  }

  /// Far outside any sensible range, each numeric key is refused at load with its range.
  @Test func everyNumericKeyHasARangeCheckedAtLoad() throws {
    let full = try Self.fullSession()
    let json = try Self.text(full)
    let numeric = Self.leaves(full).filter { key, value in
      value is NSNumber && String(cString: (value as! NSNumber).objCType) != "c"
        && !key.hasSuffix("seed")  // any 64-bit seed is a seed
    }
    #expect(numeric.count > 50)
    for (key, _) in numeric {
      for outside in ["-1000000000000", "1000000000000"] {
        let error = Self.error(json, overrides: ["\(key)=\(outside)"])
        #expect(
          error?.contains("'--set \(key)'") == true && error?.contains("must") == true,
          "--set \(key)=\(outside): \(error ?? "accepted")")
      }
    }
  }

  @Test func maskProbabilityZeroIsRefusedWithItsRange() {
    let error = Self.error(#"{"objectives": {"maskProbability": 0}}"#)
    #expect(error == "configuration field 's.json (variant main): objectives.maskProbability': must be in (0.0, 1.0), got 0.0")
  }

  @Test func aMalformedSessionFileGivesLineAndColumn() {
    let error = Self.error("{\n  \"seed\": 1,\n  \"model\": {\"dimension\": 64,,}\n}\n")
    #expect(error?.hasPrefix("configuration field 's.json:3': invalid JSON at column") == true, "\(error ?? "")")
    #expect(error?.contains("NSCocoaErrorDomain") == false)
    let list = Self.error("[1, 2]")
    #expect(list == "configuration field 's.json': expected a JSON object ({\"model\": ..., ...}), found a list; see docs/sessions.md for the format")
  }

  /// Numbers JSON can spell but a Double cannot hold: said as such, never as Foundation's
  /// DecodingError (the fuzzer's session.json seed 393 reached the user that way).
  @Test func aNumberTooLargeToBeANumberIsSaidAsSuch() {
    for json in [#"{"training": {"learningRate": 1e999}}"#, #"{"checkpoints": {"every": -1e999}}"#] {
      let error = Self.error(json) ?? "accepted"
      #expect(error.contains("e999 is not representable") && !error.contains("Error"), "\(error)")
    }
    // Foundation re-encodes an integer past 64 bits into text its own decoder rejects, with no
    // key: found first, and named by its key.
    let error = Self.error(#"{"training": {"steps": 99999999999999999999}}"#) ?? "accepted"
    #expect(
      error == "configuration field 's.json: training.steps': 99999999999999999999 is past every "
        + "range: no key takes a number beyond 2^64-1 (the ranges are in docs/sessions.md)",
      "\(error)")
    #expect(!error.contains("DecodingError") && !error.contains("Domain"), "\(error)")
  }

  @Test func anErrorInASetNamesTheSetAndTheKeyNotTheFile() {
    let json = #"{"training": {"steps": 10}}"#
    #expect(
      Self.error(json, overrides: ["training.steps=0"])
        == "configuration field '--set training.steps': must be in 1...100000000, got 0")
    #expect(Self.error(json, overrides: ["training.stepz=3"])?.hasPrefix(
      "configuration has an unknown key '--set training.stepz'") == true)
    #expect(Self.error(json, overrides: ["checkpoints.every=-1"])
      == "configuration field '--set checkpoints.every': must be in 0...100000000, got -1")
    #expect(Self.error(json, overrides: ["novalue"])?.hasPrefix("configuration field '--set novalue'") == true)
    #expect(Self.error(json, overrides: ["training.steps.x=1"])?.contains("'--set training.steps.x'") == true)
    // The same mistake in the file is blamed on the file.
    #expect(
      Self.error(#"{"training": {"steps": 0}}"#)
        == "configuration field 's.json (variant main): training.steps': must be in 1...100000000, got 0")
  }
}
