import Foundation
import Testing

@testable import VLP

/// The configuration keys of MVM, WRA, CMCL and PrefixLM decode strictly and are range-checked.
@Suite struct ObjectivesIIConfigurationTests {
  @Test func newKeysDecodeAndListTheirLossesInDisplayOrder() throws {
    let configuration = try PretrainingConfiguration.decode([
      "model": ["imageInput": "regions"],
      "objectives": [
        "mrfr": 1, "mrc": 0.5, "mrcKL": 2, "mvmProbability": 0.2, "regressionLoss": "smooth-l1",
        "wra": 0.1, "cmcl": 1, "prefixLM": 1,
      ],
    ])
    let o = configuration.objectives
    #expect(o.mrfr == 1 && o.mrc == 0.5 && o.mrcKL == 2 && o.mvmProbability == 0.2)
    #expect(o.regressionLoss == .smoothL1 && o.wra == 0.1 && o.cmcl == 1 && o.prefixLM == 1)
    #expect(
      o.enabledLosses(for: .albef)
        == ["itc", "mlm", "itm", "wra", "mrfr", "mrc", "mrc-kl", "cmcl", "prefixlm"])
    var oscar = o
    (oscar.wra, oscar.cmcl, oscar.prefixLM) = (0, 0, 0)
    #expect(oscar.enabledLosses(for: .oscar) == ["mlm", "pollutedTags", "mrfr", "mrc", "mrc-kl"])
    // Off by default: no existing session changes.
    #expect(ObjectiveConfiguration().enabledLosses(for: .albef) == ["itc", "mlm", "itm"])
    var patches = ObjectiveConfiguration()
    patches.mpr = 1
    #expect(patches.enabledLosses(for: .albef) == ["itc", "mlm", "itm", "mpr"])
  }

  @Test func badValuesNameTheField() throws {
    let cases: [([String: Any], String)] = [
      (["objectives": ["mrcKl": 1]], "objectives.mrcKl"),
      (["objectives": ["regressionLoss": "l2"]], "objectives.regressionLoss"),
      (["objectives": ["mvmProbability": 0]], "objectives.mvmProbability"),
      (["objectives": ["wra": -0.1]], "objectives.wra"),
      (["objectives": ["prefixLM": "yes"]], "objectives.prefixLM"),
      // Region heads need regions; patch regression needs patches; WRA, CMCL, PrefixLM ALBEF.
      (["model": ["imageInput": "patches"], "objectives": ["mrc": 1]], "objectives.mrc"),
      (["model": ["imageInput": "regions"], "objectives": ["mpr": 1]], "objectives.mpr"),
      (["model": ["family": "oscar"], "objectives": ["cmcl": 1]], "objectives.cmcl"),
    ]
    for (object, expected) in cases {
      do {
        _ = try PretrainingConfiguration.decode(object)
        Issue.record("accepted \(object)")
      } catch let DataError.invalidConfiguration(field, _) {
        #expect(field == expected)
      } catch let DataError.unknownConfigurationKey(field, known) {
        #expect(field == expected)
        #expect(known.contains("mrcKL"))
      }
    }
  }

  /// The mvm session compares no MVM with the three kinds, and nothing else.
  @Test func mvmSessionVariesOnlyTheMVMHead() throws {
    let variants = try CommittedSessionTests.definition("mvm").variants
    #expect(variants.map(\.name) == ["none", "mrfr", "mrc", "mrc-kl"])
    let o = variants.map(\.configuration.objectives)
    #expect(o.map(\.mrfr) == [0, 1, 0, 0] && o.map(\.mrc) == [0, 0, 1, 0])
    #expect(o.map { $0.mrcKL > 0 } == [false, false, false, true])
    for variant in variants.dropFirst() {
      var configuration = variant.configuration
      (configuration.objectives.mrfr, configuration.objectives.mrc) = (0, 0)
      configuration.objectives.mrcKL = 0
      #expect(configuration == variants[0].configuration, "\(variant.name)")
    }
    // The default session shows an MVM curve next to ITC, MLM and ITM.
    let main = try CommittedSessionTests.definition("default").variants[0].configuration
    #expect(main.objectives.masksVision && main.model.imageInput == .regions)
  }
}
