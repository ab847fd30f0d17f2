import Foundation
import Testing

@testable import VLP

/// The one table of objectives (`Objective`): names in every layer, and the configuration errors
/// it derives (a weight the model cannot use names its key).
@Suite struct ObjectiveRegistryTests {
  @Test func metricKeysAreTheLoggedNamesInDisplayOrder() {
    #expect(
      Objective.metricKeysInDisplayOrder == [
        "itc", "mlm", "itm", "wra", "mrfr", "mrc", "mrc-kl", "mpr", "cmcl", "prefixlm",
        "pollutedTags",
      ])
    for objective in Objective.allCases {
      #expect(Objective(metricKey: objective.metricKey) == objective)
      #expect(objective.displayOrder == Objective.allCases.firstIndex(of: objective))
      #expect(!objective.families.isEmpty, "\(objective)")
    }
    #expect(Objective(metricKey: "total") == nil)
    #expect(Objective.displayName(ofMetric: "mrc-kl") == "MVM · region class (soft)")
    // A loss the table does not know (a newer run's) shows under its logged name.
    #expect(Objective.displayName(ofMetric: "futureLoss") == "futureLoss")
  }

  /// Every configuration key of the table is a weight that session.json decodes, and every
  /// weight read back is the one the table points at.
  @Test func configurationKeysAreTheSessionWeights() throws {
    let keys = Set(ObjectiveConfiguration.CodingKeys.allCases.map(\.rawValue))
    for (index, objective) in Objective.allCases.enumerated() {
      #expect(keys.contains(objective.configurationKey), "\(objective.configurationKey)")
      let value = Double(index + 2) / 4
      let object: [String: Any] = [
        "objectives": [objective.configurationKey: value],
        "model": [
          "family": objective.families[0].rawValue,
          "imageInput": (objective.imageInput ?? .patches).rawValue,
        ],
      ]
      let decoded = try PretrainingConfiguration.decode(object).objectives
      #expect(decoded.weight(of: objective) == Float(value), "\(objective)")
    }
  }

  @Test func weightsAModelCannotUseAreErrorsNamingTheKey() throws {
    let cases: [([String: Any], String, String)] = [
      // WRA aligns the pairs of ITM's pass: without ITM it was silently dropped.
      (["objectives": ["wra": 0.1, "itm": 0]], "objectives.wra", "objectives.itm"),
      (["model": ["family": "oscar"], "objectives": ["itc": 1]], "objectives.itc", "Oscar"),
      (["model": ["family": "oscar"], "objectives": ["itm": 0.5]], "objectives.itm", "Oscar"),
      (["model": ["family": "oscar"], "objectives": ["prefixLM": 1]], "objectives.prefixLM", "Oscar"),
      (["model": ["family": "oscar"], "objectives": ["mpr": 1]], "objectives.mpr", "Oscar"),
      (["objectives": ["pollutedTags": 1]], "objectives.pollutedTags", "ALBEF"),
    ]
    for (object, field, mention) in cases {
      do {
        _ = try PretrainingConfiguration.decode(object)
        Issue.record("accepted \(object)")
      } catch let error as DataError {
        guard case .invalidConfiguration(let named, let reason) = error else {
          Issue.record("\(error)")
          continue
        }
        #expect(named == field)
        #expect(reason.contains(mention), "\(reason)")
        #expect("\(error)".contains(field))
      }
    }
  }

  /// Defaults nobody wrote (ITC and ITM at 1 on Oscar, polluted tags at 1 on ALBEF) stay valid,
  /// and so does a weight of 0 written for another family's objective.
  @Test func defaultsAndZeroWeightsOfOtherFamiliesStayValid() throws {
    let oscar = try PretrainingConfiguration.decode(["model": ["family": "oscar"]])
    #expect(oscar.objectives.enabledLosses(for: .oscar) == ["mlm", "pollutedTags"])
    _ = try PretrainingConfiguration.decode(
      ["model": ["family": "oscar"], "objectives": ["itc": 0, "itm": 0, "mlm": 1]])
    _ = try PretrainingConfiguration.decode(["objectives": ["pollutedTags": 0, "wra": 0.1]])
    let albef = try PretrainingConfiguration.decode([:])
    #expect(albef.objectives.enabledLosses(for: .albef) == ["itc", "mlm", "itm"])
  }

  /// A `--set` override counts as written: the same error as in the file.
  @Test func overridesAreCheckedAsTheFileIs() throws {
    let base: [String: Any] = ["model": ["family": "oscar"]]
    let patched = try ConfigurationOverrides.apply(
      [try ConfigurationOverrides.parse("objectives.cmcl=1")], to: base)
    #expect(throws: DataError.invalidConfiguration(
      field: "objectives.cmcl",
      reason: "Oscar cannot train it (model.family \"oscar\" trains mlm, pollutedTags, mrfr, "
        + "mrc, mrcKL): set it to 0 or remove it")) {
      _ = try PretrainingConfiguration.decode(patched)
    }
  }

  /// Oscar keeps no momentum model: its captured pseudo-targets carry the model's own top-5 and
  /// no teacher, and its report has no temperature or queue.
  @Test func oscarPseudoTargetsHaveNoTeacher() throws {
    let trainer = try Pretrainer(configuration: PretrainerFixtures.configuration(.oscar))
    let report = try trainer.trainStep(capturePseudoTargets: true)
    let targets = try #require(report.pseudoTargets)
    #expect(!targets.maskedPositions.isEmpty)
    #expect(targets.maskedPositions.allSatisfy { $0.student.count == 5 && $0.teacher.isEmpty })
    #expect(targets.imageTexts.isEmpty)
    #expect(report.temperature == nil && report.queueFill == 0)
    #expect(trainer.momentumModel == nil && trainer.oscarModel != nil && trainer.albefModel == nil)
  }
}
